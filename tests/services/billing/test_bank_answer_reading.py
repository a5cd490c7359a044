"""Reading the bank's answer, exactly (what `make mutation` checks in bank_answer.py): where each
backend puts the amount and our reference, what counts as signed, paid or refused, and what is
refused as unreadable. eopayment's own parsing is replaced by a fixed answer where the test is
about our side of it; no database, no network."""

from __future__ import annotations

import logging
import types
from decimal import Decimal

import eopayment
import pytest

from cityviz.services.billing import bank_answer as ba
from cityviz.services.billing import bank_request as op
from cityviz.services.billing.payment_backends import SUPPORTED_BACKENDS
from cityviz.services.errors import DomainError, InvalidInput

DUMMY_OPTIONS = {"dummy_service_url": "http://localhost:3000/banque-simulee", "origin": "Mairie"}
PAYBOX = {"site": "1999888", "rang": "32", "identifiant": "107904482", "shared_secret": "0123456789ABCDEF" * 4}


def test_first_and_flat_take_one_value_per_field():
    assert (ba._first(["a", "b"]), ba._first(("c", "d")), ba._first([]), ba._first(()), ba._first("e")) == (
        "a", "c", None, None, "e")
    assert ba._flat({"amount": ["12.40"], "empty": [], "none": None, "n": 3}) == {
        "amount": "12.40", "empty": "", "none": "", "n": "3"}
    assert ba._flat([("k", ("v", "w"))]) == {"k": "v"}
    assert ba._flat(None) == {} and ba._flat(12) == {} and ba._flat(["ab", "abc"]) == {}


@pytest.mark.parametrize("kind, data, cents", [
    ("dummy", {"amount": "12.40"}, 1240),
    ("dummy", {"amount": " 0.30 "}, 30),
    ("dummy", {"amount": "0.305"}, None),
    ("dummy", {"montant": "1240"}, None),
    ("tipi", {"montant": "1030"}, 1030),
    ("payfip_ws", {"montant": " 99 "}, 99),
    ("systempayv2", {"vads_amount": "1999"}, 1999),
    ("payzen", {"vads_amount": "5"}, 5),
    ("paybox", {"montant": "1240"}, 1240),
    ("paybox", {"montant": "12.40"}, None),
    ("paybox", {"montant": "12.0"}, 12),
    ("paybox", {"montant": "NaN"}, None),
    ("paybox", {"montant": "Infinity"}, None),
    ("paybox", {"montant": "douze"}, None),
    ("paybox", {"montant": ""}, None),
    ("paybox", {}, None),
    ("unknown", {"montant": "12", "amount": "12", "vads_amount": "12"}, None),
])
def test_amount_in_cents_where_each_backend_puts_it(kind, data, cents):
    amount = ba._amount_cents(kind, data)
    assert amount == cents and (amount is None or type(amount) is int)


def test_every_backend_says_where_it_puts_the_amount():
    # So _amount_cents's default (an unknown kind) is never used: read_bank_answer refuses any other kind.
    assert set(SUPPORTED_BACKENDS) <= set(ba._AMOUNT_FIELDS)


def test_our_reference_where_each_backend_echoes_it():
    data = {"orderid": "D1", "refdet": "T1", "vads_ext_info_eopayment_trans_id": "S1"}
    assert [ba._our_reference(kind, data, "BANK!42") for kind in (
        "dummy", "tipi", "payfip_ws", "systempayv2", "payzen", "paybox", "other")] == [
        "D1", "T1", "T1", "S1", "S1", "BANK", ""]
    assert [ba._our_reference(kind, {}, "NOBANG") for kind in ("dummy", "tipi", "systempayv2", "paybox")] == [
        "", "", "", "NOBANG"]
    # Paybox's reference is "<our transaction id>!<order id>": ours is before the first "!".
    assert ba._our_reference("paybox", {}, "CV1!ORDER!2") == "CV1"


def test_notification_payload_of_each_request():
    assert ba.notification_payload("post", "q=1", b"a=\xe9&b=2") == "a=\ufffd&b=2"
    assert ba.notification_payload("POST", "q=1", "a=1") == "a=1"
    assert ba.notification_payload("GET", "q=1", "a=1") == "q=1"
    assert ba.notification_payload("POST", "q=1", "\n ") == "q=1"


def test_the_simulator_answers_in_the_dummy_protocol():
    assert ba.dummy_answer(transaction_id="T", amount=Decimal("12.4"), accepted=True, signed=True, order_id="O") == [
        ("transaction_id", "T"), ("amount", "12.40"), ("orderid", "O"), ("ok", "1"), ("signed", "1")]
    assert ba.dummy_answer(transaction_id="T", amount=Decimal("3"), accepted=False, signed=False) == [
        ("transaction_id", "T"), ("amount", "3.00"), ("refused", "1"),
        ("reason", "Paiement refusé par la banque simulée")]


class _Bank:
    """eopayment.Payment giving a fixed response, and remembering how it was asked."""

    calls: list = []

    def __init__(self, response=None, error=None):
        self.response_value, self.error = response, error

    def __call__(self, kind, settings, logger=None):
        outer = self

        class Payment:
            def response(self, query_string, **extra):
                _Bank.calls.append((kind, query_string, extra))
                if outer.error is not None:
                    raise outer.error
                return outer.response_value

        return Payment()


def _response(**fields):
    base = dict(result=eopayment.PAID, signed=False, bank_data={}, order_id=None, transaction_id=None,
                bank_status=None, test=False, return_content=None)
    return types.SimpleNamespace(**{**base, **fields})


def _read(monkeypatch, response=None, error=None, kind="dummy", options=DUMMY_OPTIONS, query="x=1", **kwargs):
    _Bank.calls = []
    monkeypatch.setattr(ba.eopayment, "Payment", _Bank(response, error))
    return ba.read_bank_answer(kind=kind, options=options, query_string=query, **kwargs)


def test_every_field_of_an_answer(monkeypatch):
    answer = _read(monkeypatch, _response(
        signed=1, bank_data={"amount": ["12.40"], "orderid": ["CV1"], "__secret": ["x"]}, order_id="B1",
        transaction_id="AUTH9", bank_status=["Accepté"], test=1, return_content=b"OK"))
    assert answer == ba.BankAnswer(transaction_id="B1", order_id="CV1", result="paid", signed=True, amount_cents=1240,
                                   bank_message="Accepté", test=True, bank_transaction_id="AUTH9",
                                   reply_content="b'OK'", raw={"amount": "12.40", "orderid": "CV1"})
    assert _Bank.calls == [("dummy", "x=1", {})]


def test_an_answer_without_order_id_uses_the_transaction_id_and_the_result_label(monkeypatch):
    answer = _read(monkeypatch, _response(result=eopayment.DENIED, transaction_id="T7", bank_status=""))
    assert (answer.transaction_id, answer.bank_transaction_id, answer.bank_message, answer.signed, answer.test,
            answer.reply_content, answer.amount_cents, answer.order_id) == (
        "T7", "T7", "Paiement refusé", False, False, None, None, "")
    assert _read(monkeypatch, _response(order_id="O", transaction_id=None)).bank_transaction_id == ""
    assert _read(monkeypatch, _response(order_id="O", bank_status=[])).bank_message == "Paiement accepté"
    assert len(_read(monkeypatch, _response(order_id="O", bank_status="x" * 2001)).bank_message) == 2000


def test_an_answer_without_any_transaction_number_is_refused(monkeypatch):
    for empty in (None, ""):
        with pytest.raises(InvalidInput) as refused:
            _read(monkeypatch, _response(order_id=empty, transaction_id=empty))
        assert str(refused.value) == "Réponse de la banque sans numéro de transaction."


@pytest.mark.parametrize("code, result", [
    (eopayment.PAID, "paid"), (eopayment.ACCEPTED, "waiting"), (eopayment.RECEIVED, "waiting"),
    (eopayment.WAITING, "waiting"), (eopayment.DENIED, "refused"), (eopayment.CANCELLED, "cancelled"),
    (eopayment.EXPIRED, "cancelled"), (eopayment.ERROR, "error"), (999, "error")])
def test_each_bank_result(monkeypatch, code, result):
    answer = _read(monkeypatch, _response(result=code, order_id="O"), kind="paybox", options=PAYBOX)
    assert (answer.result, answer.label, answer.bank_message) == (result, ba.RESULT_LABELS[result],
                                                                   ba.RESULT_LABELS[result])


@pytest.mark.parametrize("kind, options, data, result", [
    ("dummy", DUMMY_OPTIONS, {"refused": ["1"], "cancelled": ["1"]}, "refused"),
    ("dummy", DUMMY_OPTIONS, {"cancelled": ["1"]}, "cancelled"),
    ("dummy", DUMMY_OPTIONS, {}, "error"),
    ("paybox", PAYBOX, {"refused": ["1"]}, "error"),  # the markers are our simulator's only
])
def test_the_simulator_markers_refine_an_error(monkeypatch, kind, options, data, result):
    answer = _read(monkeypatch, _response(result=eopayment.ERROR, order_id="O", bank_data=data), kind=kind,
                   options=options)
    assert answer.result == result


def test_paybox_notifications_are_checked_as_callbacks(monkeypatch):
    _read(monkeypatch, _response(order_id="O"), kind="paybox", options=PAYBOX, from_notification=True)
    _read_calls = list(_Bank.calls)
    _read(monkeypatch, _response(order_id="O"), kind="paybox", options=PAYBOX)
    assert [extra for _k, _q, extra in _read_calls + _Bank.calls] == [{"callback": True}, {}]
    _read(monkeypatch, _response(order_id="O"), kind="paybox", options=PAYBOX, from_notification=True,
          callback=False)
    assert _Bank.calls[-1][2] == {"callback": False}
    _read(monkeypatch, _response(order_id="O"), from_notification=True)
    assert _Bank.calls[-1][2] == {}  # only Paybox
    _read(monkeypatch, _response(order_id="O"), query="")
    assert _Bank.calls[-1][1] == ""
    _read(monkeypatch, _response(order_id="O"), query=None)
    assert _Bank.calls[-1][1] == ""


@pytest.mark.parametrize("error", [eopayment.ResponseError("bad"), ValueError("v"), KeyError("k"), TypeError("t")])
def test_an_unreadable_answer_is_refused_in_french(monkeypatch, caplog, error):
    caplog.set_level(logging.WARNING, logger=ba.logger.name)
    with pytest.raises(InvalidInput) as refused:
        _read(monkeypatch, error=error)
    assert str(refused.value) == "Réponse de la banque illisible ou incomplète."
    assert [r for r in caplog.record_tuples if r[0] == ba.logger.name] == [
        (ba.logger.name, logging.WARNING, f"unreadable dummy bank answer: {error}")]


def test_a_bank_that_does_not_answer_is_a_french_error(monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger=ba.logger.name)
    down = ConnectionError("DGFiP down")
    with pytest.raises(DomainError) as failed:
        _read(monkeypatch, error=down, kind="paybox", options=PAYBOX)
    assert not isinstance(failed.value, InvalidInput)
    assert str(failed.value) == "Le service de paiement de la banque ne répond pas. Réessayez dans quelques minutes."
    ours = [r for r in caplog.records if r.name == ba.logger.name]
    assert [(r.levelno, r.getMessage(), r.exc_info[1]) for r in ours] == [
        (logging.ERROR, "eopayment paybox response failed", down)]


def test_eopayment_never_logs_the_bank_settings_even_at_debug_level(caplog):
    """eopayment logs every setting it gets (Paybox's shared secret among them) at debug level, on the
    logger it is given: ours drops that record; eopayment's own logger would write it."""
    caplog.set_level(logging.DEBUG)
    answer = ba.read_bank_answer(kind="dummy", options=DUMMY_OPTIONS,
                                 query_string="transaction_id=T1&amount=12.40&ok=1&signed=1")
    assert (answer.transaction_id, answer.result) == ("T1", "paid")  # the real eopayment, not _Bank
    with pytest.raises(InvalidInput):
        ba.read_bank_answer(kind="paybox", options=PAYBOX, query_string="")
    started = op.start_payment(kind="paybox", options=PAYBOX, amount_cents=1240, transaction_id="CV1234567",
                               email="martin@example.org", subject="Facture", return_url="https://x.test/r",
                               notification_url="https://x.test/n")
    assert started.transaction_id
    assert caplog.records, "eopayment and our services log at debug level here"
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if PAYBOX["shared_secret"] in m or DUMMY_OPTIONS["origin"] in m]
    assert not [m for m in messages if m.startswith("initializing with options")]


def test_an_unsupported_backend_is_refused_before_the_bank_is_asked(monkeypatch):
    with pytest.raises(InvalidInput, match="n'est pas pris en charge"):
        _read(monkeypatch, _response(order_id="O"), kind="sips2", options={})
    assert _Bank.calls == []
