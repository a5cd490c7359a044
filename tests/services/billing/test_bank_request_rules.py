"""Starting a payment, exactly (what `make mutation` checks in bank_request.py): what each backend
is asked (keyword names and values, Decimal euros, subjects cut and folded to ASCII, references),
the URLs, the French errors and their field, the log lines, and what StartedPayment holds.
eopayment.Payment is replaced by a fake remembering how it was asked, except where the real
dummy backend is the point; no database, no network."""

from __future__ import annotations

import logging
import types
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import eopayment
import pytest

from cityviz.services.billing import bank_request as op
from cityviz.services.billing.payment_backends import EOPAYMENT_LOG
from cityviz.services.errors import DomainError, InvalidInput

SIMULATOR = "http://localhost:3000/banque-simulee"
RETURN = "http://localhost:3000/factures/retour-paiement"
NOTIFY = "https://localhost:3000/paiement/notification"
REFERENCE = "CVABCDEFGHIJKLMNOPQRSTUVWXYZ12"  # 30 letters and digits
EMAIL = "audrey.noiret@example.org"
SYSTEMPAY = {"secret_test": "1122334455667788", "vads_site_id": "12345678"}
PAYBOX = {"site": "1999888", "rang": "32", "identifiant": "107904482", "shared_secret": "0123456789ABCDEF" * 4}
OPTIONS = {
    "dummy": {"dummy_service_url": SIMULATOR, "origin": "Mairie"},
    "payfip_ws": {"numcli": "123456"},
    "tipi": {"numcli": "123456"},
    "systempayv2": SYSTEMPAY,
    "payzen": SYSTEMPAY,
    "paybox": PAYBOX,
}


class _Bank:
    """eopayment.Payment answering `answer` (or raising `error`), remembering how it was asked."""

    def __init__(self, answer=None, error=None):
        self.answer = ("BANK1", eopayment.URL, "https://bank.example/pay?x=1") if answer is None else answer
        self.error = error
        self.made: list = []  # (kind, settings, logger)
        self.asked: list = []  # (amount, kwargs)

    def __call__(self, kind, settings, logger=None):
        bank = self
        bank.made.append((kind, dict(settings), logger))

        class Payment:
            def request(self, amount, **kwargs):
                bank.asked.append((amount, kwargs))
                if bank.error is not None:
                    raise bank.error
                return bank.answer

        return Payment()


def _fake(monkeypatch, answer=None, error=None) -> _Bank:
    bank = _Bank(answer, error)
    monkeypatch.setattr(eopayment, "Payment", bank)
    return bank


def _start(kind="dummy", *, amount_cents=1240, reference=REFERENCE, email=EMAIL, subject="Facture",
           return_url=RETURN, notification_url=NOTIFY, **extra):
    return op.start_payment(kind=kind, options=OPTIONS[kind], amount_cents=amount_cents,
                            transaction_id=reference, email=email, subject=subject,
                            return_url=return_url, notification_url=notification_url, **extra)


def _asked(monkeypatch, kind="dummy", **kwargs):
    bank = _fake(monkeypatch)
    _start(kind, **kwargs)
    ((amount, asked),) = bank.asked
    return amount, asked


# --- what each backend is asked ------------------------------------------------------------------

LONG = "Facture n°2024-09 : cantine d'Élise " + "é" * 300


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("dummy", {"email": EMAIL, "orderid": REFERENCE, "subject": LONG}),
        ("payfip_ws", {"email": EMAIL, "transaction_id": REFERENCE, "subject": LONG}),
        ("tipi", {"email": EMAIL, "orderid": REFERENCE, "objet": ("Facture n2024 09 cantine d Elise " + "e" * 300)[:100]}),
        ("systempayv2", {"email": EMAIL, "transaction_id": REFERENCE, "info1": LONG[:255]}),
        ("payzen", {"email": EMAIL, "transaction_id": REFERENCE, "info1": LONG[:255]}),
        ("paybox", {"email": EMAIL, "transaction_id": REFERENCE}),
    ],
)
def test_each_backend_is_asked_with_its_own_keywords(monkeypatch, kind, expected):
    amount, asked = _asked(monkeypatch, kind, subject=LONG, email=f"  {EMAIL} ")
    assert asked == expected
    assert type(amount) is Decimal and str(amount) == "12.40"
    if "info1" in expected:
        assert len(asked["info1"]) == 255
    if "objet" in expected:
        assert len(asked["objet"]) == 100


def test_an_other_backend_gets_the_reference_as_orderid():
    assert op._request_kwargs("sips2", REFERENCE, EMAIL, "Facture") == {"email": EMAIL, "orderid": REFERENCE}


def test_empty_or_missing_email_and_subject_are_not_sent(monkeypatch):
    assert _asked(monkeypatch, email="", subject="")[1] == {"orderid": REFERENCE}
    assert _asked(monkeypatch, email=None, subject=None)[1] == {"orderid": REFERENCE}
    assert _asked(monkeypatch, "tipi", subject="— °")[1] == {"email": EMAIL, "orderid": REFERENCE}


def test_extra_arguments_go_to_eopayment_as_is_and_win(monkeypatch):
    asked = _asked(monkeypatch, "payfip_ws", exer="2024", refdet="X1", email=EMAIL)[1]
    assert asked == {"email": EMAIL, "transaction_id": REFERENCE, "subject": "Facture", "exer": "2024", "refdet": "X1"}
    assert _asked(monkeypatch, orderid="OTHER1")[1]["orderid"] == "OTHER1"


def test_the_backend_is_made_with_the_settings_the_urls_and_our_logger(monkeypatch):
    bank = _fake(monkeypatch)
    _start("tipi")
    ((kind, settings, logger),) = bank.made
    assert kind == "tipi" and logger is EOPAYMENT_LOG
    assert settings["numcli"] == "123456"
    assert settings["normal_return_url"] == RETURN and settings["automatic_return_url"] == NOTIFY


@pytest.mark.parametrize(
    ("subject", "limit", "expected"),
    [
        ("Cantine — septembre", 100, "Cantine septembre"),
        ("Facture n°2024-09 : Élise", 100, "Facture n2024 09 Elise"),
        ("a-b", 100, "a b"),
        ("  ﬁn\tœuvre\n(été) ", 100, "fin uvre ete"),
        ("abc def", 5, "abc d"),
        ("abc-def", 3, "abc"),
    ],
)
def test_subjects_are_folded_to_ascii_letters_digits_and_spaces(subject, limit, expected):
    assert op._ascii_subject(subject, limit) == expected


# --- references -----------------------------------------------------------------------------------


def test_new_reference_keeps_letters_and_digits_of_the_prefix_up_to_eight():
    reference = op.new_reference("ab-c/12345xyz")
    assert reference[:8] == "abc12345" and len(reference) == 30
    assert set(reference[8:]) <= set(op.REFERENCE_ALPHABET)  # no "x": upper-case letters and digits
    reference = op.new_reference("Régie 7")
    assert reference[:5] == "Rgie7" and len(reference) == 30 and set(reference[5:]) <= set(op.REFERENCE_ALPHABET)
    reference = op.new_reference("-/-")
    assert len(reference) == 30 and set(reference) <= set(op.REFERENCE_ALPHABET)


@pytest.mark.parametrize("reference", ["ABCDEF", "a" * 30, REFERENCE])
def test_references_of_6_to_30_letters_and_digits_are_accepted(monkeypatch, reference):
    bank = _fake(monkeypatch)
    _start(reference=reference)
    assert bank.asked[0][1]["orderid"] == reference


@pytest.mark.parametrize("reference", ["ABCDE", "a" * 31, "F-2024/09", "", None, "ABCDEF GH", "ABCDEF\n"])
def test_other_references_are_refused_in_french(monkeypatch, reference):
    bank = _fake(monkeypatch)
    with pytest.raises(InvalidInput) as info:
        _start(reference=reference)
    assert str(info.value) == "La référence du paiement doit compter de 6 à 30 lettres ou chiffres."
    assert info.value.field == "transaction_id"
    assert bank.made == []


# --- amounts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cents", [0, -1, -500])
def test_a_zero_or_negative_amount_is_refused(monkeypatch, cents):
    bank = _fake(monkeypatch)
    with pytest.raises(InvalidInput) as info:
        _start(amount_cents=cents)
    assert str(info.value) == "Le montant à payer doit être positif."
    assert info.value.field == "amount"
    assert bank.made == []


@pytest.mark.parametrize("kind", ["tipi", "payfip_ws"])
def test_the_dgfip_takes_from_one_euro_to_one_hundred_thousand(monkeypatch, kind):
    bank = _fake(monkeypatch)
    _start(kind, amount_cents=100)
    _start(kind, amount_cents=10_000_000)
    assert [str(amount) for amount, _ in bank.asked] == ["1.00", "100000.00"]
    with pytest.raises(InvalidInput) as info:
        _start(kind, amount_cents=99)
    assert str(info.value) == "Le paiement en ligne n'est possible qu'à partir de 1,00\u00a0€."
    assert info.value.field == "amount"
    with pytest.raises(InvalidInput) as info:
        _start(kind, amount_cents=10_000_001)
    assert str(info.value) == "Le paiement en ligne est limité à 100\u202f000,00\u00a0€."
    assert info.value.field == "amount"
    assert len(bank.asked) == 2


def test_other_backends_have_no_limits(monkeypatch):
    bank = _fake(monkeypatch)
    _start("systempayv2", amount_cents=1)
    _start("paybox", amount_cents=10_000_001)
    assert [str(amount) for amount, _ in bank.asked] == ["0.01", "100000.01"]


# --- email -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["a@b.fr", "  a@b.fr  ", "a@" + "b" * 76 + ".f", "x" * 69 + "@exemple.fr"])
def test_emails_of_6_to_80_characters_with_an_at_sign_are_sent_trimmed(monkeypatch, email):
    assert _asked(monkeypatch, "paybox", email=email)[1]["email"] == email.strip()
    assert _asked(monkeypatch, email=email)[1]["email"] == email.strip()


@pytest.mark.parametrize(
    ("kind", "email"),
    [("dummy", "a@b.f"), ("dummy", "abcdefgh"), ("dummy", "a@" + "b" * 77 + ".f"), ("tipi", ""),
     ("paybox", None), ("payfip_ws", "   "), ("systempayv2", "audrey.example.org")],
)
def test_other_emails_are_refused_in_french(monkeypatch, kind, email):
    bank = _fake(monkeypatch)
    with pytest.raises(InvalidInput) as info:
        _start(kind, email=email)
    assert str(info.value) == "Une adresse e-mail valide est nécessaire pour payer en ligne."
    assert info.value.field == "email"
    assert bank.made == []


# --- URLs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "urls"),
    [
        ("return_url", {"return_url": "/factures/retour"}),
        ("return_url", {"return_url": None}),
        ("return_url", {"return_url": "javascript:alert(1)", "notification_url": "ftp://x"}),
        ("notification_url", {"notification_url": "ftp://localhost/notification"}),
        ("notification_url", {"notification_url": ""}),
    ],
)
def test_return_and_notification_urls_must_be_http(monkeypatch, field, urls):
    bank = _fake(monkeypatch)
    with pytest.raises(InvalidInput) as info:
        _start(**urls)
    assert str(info.value) == "Adresse de retour du paiement en ligne non valide."
    assert info.value.field == field
    assert bank.made == []


def test_the_real_dummy_backend_sends_the_payer_to_the_configured_simulator():
    started = op.start_payment(kind="dummy", options={"dummy_service_url": SIMULATOR}, amount_cents=30,
                               transaction_id=REFERENCE, email=EMAIL, subject="Cantine", return_url=RETURN,
                               notification_url=NOTIFY)
    assert started.method == "GET" and started.form_fields == ()
    base, query = started.url.split("?", 1)
    assert base == SIMULATOR and "?" not in query
    fields = dict(parse_qsl(query))
    assert fields["orderid"] == REFERENCE and fields["amount"] == "0.30" and fields["subject"] == "Cantine"
    assert fields["return_url"] == RETURN and fields["direct_notification_url"] == NOTIFY
    assert fields["email"] == EMAIL and fields["transaction_id"] == started.transaction_id


def test_a_simulator_address_with_a_query_keeps_it():
    service = SIMULATOR + "?regie=3"
    started = op.start_payment(kind="dummy", options={"dummy_service_url": service}, amount_cents=30,
                               transaction_id=REFERENCE, email=EMAIL, subject="", return_url=RETURN,
                               notification_url=NOTIFY)
    assert started.url.startswith(service + "&")
    assert dict(parse_qsl(urlsplit(started.url).query))["regie"] == "3"
    assert dict(parse_qsl(urlsplit(started.url).query))["orderid"] == REFERENCE


def test_with_service_url_joins_the_query():
    url = "https://dummy-payment.entrouvert.com/?a=1&b=x%20y"
    assert op._with_service_url(url, SIMULATOR) == SIMULATOR + "?a=1&b=x%20y"
    assert op._with_service_url(url, SIMULATOR + "?r=3") == SIMULATOR + "?r=3&a=1&b=x%20y"


# --- what the bank answers --------------------------------------------------------------------------


def test_a_url_answer_of_a_bank_is_a_redirect_as_is(monkeypatch):
    _fake(monkeypatch, answer=(42, eopayment.URL, "https://bank.example/pay?x=1"))
    started = _start("payfip_ws")
    assert started == op.StartedPayment(transaction_id="42", method="GET", url="https://bank.example/pay?x=1")
    assert started.is_redirect


def test_a_url_answer_of_the_dummy_backend_goes_to_the_simulator(monkeypatch):
    _fake(monkeypatch, answer=(7, eopayment.URL, "https://dummy-payment.entrouvert.com/?a=1"))
    started = _start("dummy")
    assert started == op.StartedPayment(transaction_id="7", method="GET", url=SIMULATOR + "?a=1")


def _form(method, fields):
    return types.SimpleNamespace(method=method, url="https://bank.example/form", fields=fields)


@pytest.mark.parametrize("method", ["POST", "post", "Post"])
def test_a_post_form_answer_keeps_its_fields_in_order(monkeypatch, method):
    fields = [{"name": "b", "value": 2}, {"name": "a", "value": "x & y"}, {"name": 3, "value": None}]
    _fake(monkeypatch, answer=(99, eopayment.FORM, _form(method, fields)))
    started = _start("systempayv2")
    assert started == op.StartedPayment(transaction_id="99", method="POST", url="https://bank.example/form",
                                        form_fields=(("b", "2"), ("a", "x & y"), ("3", "None")))
    assert not started.is_redirect


@pytest.mark.parametrize("method", ["GET", "get"])
def test_a_get_form_answer_is_a_redirect_with_its_fields_in_the_query(monkeypatch, method):
    fields = [{"name": "b", "value": "2"}, {"name": "a", "value": "x & y"}]
    _fake(monkeypatch, answer=(99, eopayment.FORM, _form(method, fields)))
    started = _start("paybox")
    assert started == op.StartedPayment(transaction_id="99", method="GET",
                                        url="https://bank.example/form?b=2&a=x+%26+y")
    assert started.is_redirect


def test_an_html_answer_is_not_supported(monkeypatch):
    _fake(monkeypatch, answer=(1, eopayment.HTML, "<form></form>"))
    with pytest.raises(DomainError) as info:
        _start("tipi")
    assert str(info.value) == "Ce mode de paiement en ligne n'est pas pris en charge."
    assert not isinstance(info.value, InvalidInput)


# --- failures of eopayment, logged ------------------------------------------------------------------


@pytest.mark.parametrize("error", [ValueError("orderid trop long"), AssertionError("orderid trop long")])
def test_refused_inputs_are_a_french_error_and_a_warning(monkeypatch, caplog, error):
    _fake(monkeypatch, error=error)
    with caplog.at_level(logging.DEBUG, logger=op.logger.name), pytest.raises(InvalidInput) as info:
        _start("tipi")
    assert str(info.value) == ("Le paiement en ligne n'a pas pu être préparé : vérifiez la configuration "
                               "de la régie et les informations du payeur.")
    assert info.value.field is None
    assert info.value.__cause__ is error
    records = [r for r in caplog.records if r.name == op.logger.name]
    assert [(r.levelno, r.getMessage(), r.exc_info) for r in records] == [
        (logging.WARNING, "eopayment tipi request refused: orderid trop long", None)]


def test_a_bank_that_does_not_answer_is_a_french_error_logged_with_its_trace(monkeypatch, caplog):
    error = ConnectionError("timeout")
    _fake(monkeypatch, error=error)
    with caplog.at_level(logging.DEBUG, logger=op.logger.name), pytest.raises(DomainError) as info:
        _start("payfip_ws")
    assert str(info.value) == "Le service de paiement de la banque ne répond pas. Réessayez dans quelques minutes."
    assert not isinstance(info.value, InvalidInput)
    assert info.value.__cause__ is error
    records = [r for r in caplog.records if r.name == op.logger.name]
    assert [(r.levelno, r.getMessage()) for r in records] == [(logging.ERROR, "eopayment payfip_ws request failed")]
    assert records[0].exc_info[1] is error
