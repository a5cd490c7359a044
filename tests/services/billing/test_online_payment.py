"""The eopayment adapter: requests, answers, amounts in cents, French errors.

No database, no network: the dummy backend points at our simulator's URL,
SystemPay/Paybox/TIPI answers are built locally."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlencode, urlsplit

import eopayment
import pytest

from cityviz.services.billing import online_payment as op
from cityviz.services.errors import DomainError, InvalidInput

SIMULATOR = "http://localhost:3000/banque-simulee"
DUMMY_OPTIONS = {"dummy_service_url": SIMULATOR, "origin": "Mairie de Démostars"}
RETURN = "http://localhost:3000/factures/retour-paiement"
NOTIFY = "http://localhost:3000/paiement/notification"


def _start(kind="dummy", options=None, amount_cents=1240, reference=None, **kwargs):
    return op.start_payment(
        kind=kind,
        options=DUMMY_OPTIONS if options is None else options,
        amount_cents=amount_cents,
        transaction_id=reference or op.new_reference(),
        email=kwargs.pop("email", "audrey.noiret@example.org"),
        subject=kwargs.pop("subject", "Facture n°20240900005"),
        return_url=RETURN,
        notification_url=NOTIFY,
        **kwargs,
    )


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --- starting a payment -----------------------------------------------------


def test_dummy_redirects_to_the_configured_simulator_with_amount_and_id():
    reference = op.new_reference()
    started = _start(reference=reference)

    assert started.method == "GET" and started.is_redirect
    assert started.form_fields == ()
    assert started.url.startswith(SIMULATOR + "?")
    assert "entrouvert.com" not in started.url  # never a third party's site
    query = _query(started.url)
    assert query["transaction_id"] == started.transaction_id
    assert query["amount"] == "12.40"
    assert query["orderid"] == reference
    assert query["return_url"] == RETURN
    assert query["direct_notification_url"] == NOTIFY
    assert query["origin"] == "Mairie de Démostars"
    assert query["subject"] == "Facture n°20240900005"
    assert query["email"] == "audrey.noiret@example.org"


def test_the_transaction_id_to_store_is_the_one_eopayment_returns():
    first, second = _start(), _start()
    assert first.transaction_id != second.transaction_id
    assert 0 < len(first.transaction_id) <= 64  # OnlinePayment.transaction_id


def test_new_reference_is_accepted_by_every_backend():
    reference = op.new_reference()
    assert len(reference) == 30 and reference.isalnum() and reference.startswith("CV")
    assert op.new_reference() != reference


@pytest.mark.parametrize(
    ("cents", "expected"),
    [(30, Decimal("0.30")), (1999, Decimal("19.99")), (1, Decimal("0.01")), (100, Decimal("1.00")),
     (10 + 20, Decimal("0.30"))],
)
def test_amounts_reach_eopayment_as_exact_two_place_decimals(monkeypatch, cents, expected):
    seen = []
    original = eopayment.Payment.request

    def spy(self, amount, **kwargs):
        seen.append(amount)
        return original(self, amount, **kwargs)

    monkeypatch.setattr(eopayment.Payment, "request", spy)
    started = _start(amount_cents=cents)

    (amount,) = seen
    assert type(amount) is Decimal and amount == expected
    assert amount.as_tuple().exponent == -2
    assert _query(started.url)["amount"] == f"{expected}"


@pytest.mark.parametrize("bad", [0.3, 12.4, Decimal("0.30"), "1240", True])
def test_amounts_must_be_integer_cents(bad):
    with pytest.raises(InvalidInput, match="centimes"):
        _start(amount_cents=bad)


def test_cents_to_decimal_is_exact():
    assert op.cents_to_decimal(30) == Decimal("0.1") + Decimal("0.2")
    assert str(op.cents_to_decimal(1999)) == "19.99"
    assert str(op.cents_to_decimal(123456)) == "1234.56"


def test_a_zero_or_negative_amount_is_refused():
    with pytest.raises(InvalidInput, match="positif"):
        _start(amount_cents=0)
    with pytest.raises(InvalidInput, match="positif"):
        _start(amount_cents=-500)


def test_systempay_answers_with_a_signed_post_form():
    options = {"secret_test": "1122334455667788", "vads_site_id": "12345678"}
    reference = op.new_reference()
    started = _start("systempayv2", options, amount_cents=1999, reference=reference)

    assert started.method == "POST"
    assert started.url == "https://paiement.systempay.fr/vads-payment/"
    fields = dict(started.form_fields)
    assert fields["vads_amount"] == "1999"
    assert fields["vads_ext_info_eopayment_trans_id"] == reference
    assert started.transaction_id == reference
    assert fields["vads_url_return"] == RETURN and fields["vads_url_check"] == NOTIFY
    assert fields["signature"]


def test_paybox_form_carries_the_reference_and_cents():
    options = {"site": "1999888", "rang": "32", "identifiant": "107904482",
               "shared_secret": "0123456789ABCDEF" * 4}
    reference = op.new_reference()
    started = _start("paybox", options, amount_cents=30, reference=reference)
    fields = dict(started.form_fields)
    assert started.method == "POST" and started.transaction_id == reference
    assert fields["PBX_CMD"] == reference and fields["PBX_TOTAL"] == "030"
    assert fields["PBX_REPONDRE_A"] == NOTIFY


def test_tipi_uses_the_reference_as_refdet_and_cents():
    reference = op.new_reference()
    started = _start("tipi", {"numcli": "123456"}, amount_cents=1030, reference=reference,
                     subject="Cantine — septembre")
    query = _query(started.url)
    assert started.transaction_id == reference == query["refdet"]
    assert query["montant"] == "1030" and query["urlcl"] == NOTIFY
    assert query["objet"] == "Cantine septembre"


# --- configuration errors, in French ------------------------------------------


def test_unknown_backend():
    with pytest.raises(InvalidInput, match="n'est pas pris en charge") as info:
        _start("bitcoin", {})
    assert info.value.field == "backend"


def test_dummy_requires_the_simulator_url():
    with pytest.raises(InvalidInput, match="« Adresse du simulateur de banque » manquant") as info:
        _start(options={})
    assert info.value.field == "dummy_service_url"
    with pytest.raises(InvalidInput, match="adresse http"):
        _start(options={"dummy_service_url": "javascript:alert(1)"})


def test_payfip_numcli_is_checked_before_calling_the_dgfip():
    with pytest.raises(InvalidInput, match="« Numéro client PayFiP » manquant pour PayFiP"):
        _start("payfip_ws", {})
    with pytest.raises(InvalidInput, match="Valeur non valide pour « Numéro client PayFiP »"):
        _start("payfip_ws", {"numcli": "12AB"})
    with pytest.raises(InvalidInput, match="Valeur non valide pour « Mode »"):
        _start("payfip_ws", {"numcli": "123456", "saisie": "Z"})


def test_minimum_amount_of_the_dgfip():
    with pytest.raises(InvalidInput, match="à partir de 1,00\u00a0€"):
        _start("tipi", {"numcli": "123456"}, amount_cents=99)


def test_reference_email_and_urls_are_checked():
    with pytest.raises(InvalidInput, match="référence"):
        _start(reference="F-2024/09")
    with pytest.raises(InvalidInput, match="e-mail"):
        _start("tipi", {"numcli": "123456"}, email="")
    with pytest.raises(InvalidInput, match="retour"):
        op.start_payment(kind="dummy", options=DUMMY_OPTIONS, amount_cents=100,
                         transaction_id=op.new_reference(), email="", subject="",
                         return_url="/relative", notification_url=NOTIFY)


def test_bank_failures_become_a_french_domain_error(monkeypatch):
    def down(self, amount, **kwargs):
        raise ConnectionError("timeout")

    monkeypatch.setattr(eopayment.Payment, "request", down)
    with pytest.raises(DomainError, match="ne répond pas"):
        _start()


def test_check_options_cleans_and_fills_defaults():
    cleaned = op.check_options("dummy", {"dummy_service_url": f"  {SIMULATOR} ", "junk": "x"})
    assert cleaned == {"dummy_service_url": SIMULATOR, "origin": "Cityviz Enfance",
                       "consider_all_response_signed": False}
    assert op.check_options("dummy", {**DUMMY_OPTIONS, "consider_all_response_signed": "1"})[
        "consider_all_response_signed"
    ] is True


# --- settings form ------------------------------------------------------------


def test_supported_backends_have_french_labels():
    assert op.SUPPORTED_BACKENDS["dummy"] == "Simulateur (démonstration)"
    assert op.SUPPORTED_BACKENDS["payfip_ws"] == "PayFiP (DGFiP)"
    assert {"tipi", "systempayv2", "payzen", "paybox"} <= set(op.SUPPORTED_BACKENDS)
    assert op.is_demo_backend("dummy") and not op.is_demo_backend("payfip_ws")


def test_backend_options_of_dummy():
    specs = {s.name: s for s in op.backend_options("dummy")}
    assert list(specs) == ["dummy_service_url", "origin", "consider_all_response_signed"]
    assert specs["dummy_service_url"].required and specs["dummy_service_url"].kind == "url"
    assert specs["dummy_service_url"].label == "Adresse du simulateur de banque"
    assert specs["consider_all_response_signed"].kind == "bool"
    assert specs["consider_all_response_signed"].default is False


def test_backend_options_of_payfip():
    specs = {s.name: s for s in op.backend_options("payfip_ws")}
    assert list(specs) == ["numcli", "saisie"]
    assert specs["numcli"].required and specs["numcli"].label == "Numéro client PayFiP"
    assert "DGFiP" in specs["numcli"].help_text
    assert specs["saisie"].kind == "choice" and specs["saisie"].default == "T"
    assert dict(specs["saisie"].choices) == {"T": "Test", "X": "Activation", "W": "Production"}


def test_backend_options_mark_secrets():
    kinds = {s.name: s.kind for s in op.backend_options("systempayv2")}
    assert kinds["secret_test"] == kinds["secret_production"] == "secret"
    assert {s.name: s.kind for s in op.backend_options("paybox")}["shared_secret"] == "secret"


# --- reading the bank's answer ----------------------------------------------


def _simulated(started, *, accepted, signed):
    query = _query(started.url)
    return urlencode(op.dummy_answer(
        transaction_id=query["transaction_id"], amount=Decimal(query["amount"]),
        accepted=accepted, signed=signed, order_id=query["orderid"],
    ))


def test_dummy_paid_notification():
    reference = op.new_reference()
    started = _start(amount_cents=1999, reference=reference)

    answer = op.read_bank_answer(kind="dummy", options=DUMMY_OPTIONS,
                                 query_string=_simulated(started, accepted=True, signed=True))

    assert answer.result == "paid" and answer.label == "Paiement accepté"
    assert answer.signed is True
    assert answer.transaction_id == started.transaction_id
    assert answer.order_id == reference
    assert answer.amount_cents == 1999 and type(answer.amount_cents) is int
    assert answer.reply_content == "signature ok"
    assert answer.test is True
    assert answer.raw["amount"] == "19.99"


def test_dummy_refused_notification():
    started = _start(amount_cents=30)
    answer = op.read_bank_answer(kind="dummy", options=DUMMY_OPTIONS,
                                 query_string=_simulated(started, accepted=False, signed=True))
    assert answer.result == "refused" and answer.signed
    assert answer.amount_cents == 30
    assert answer.transaction_id == started.transaction_id
    assert answer.bank_message == "Paiement refusé par la banque simulée"


def test_dummy_browser_return_is_not_signed_unless_configured():
    started = _start()
    query_string = _simulated(started, accepted=True, signed=False)
    answer = op.read_bank_answer(kind="dummy", options=DUMMY_OPTIONS, query_string=query_string)
    assert answer.result == "paid" and answer.signed is False and answer.reply_content is None

    trusting = {**DUMMY_OPTIONS, "consider_all_response_signed": True}
    assert op.read_bank_answer(kind="dummy", options=trusting, query_string=query_string).signed


def test_dummy_other_results():
    base = {"transaction_id": "abc123", "amount": "5.00"}
    read = lambda extra: op.read_bank_answer(  # noqa: E731
        kind="dummy", options=DUMMY_OPTIONS, query_string=urlencode({**base, **extra}))
    assert read({"waiting": "1"}).result == "waiting"
    assert read({"cancelled": "1"}).result == "cancelled"
    assert read({}).result == "error"
    assert read({"amount": "abc", "ok": "1"}).amount_cents is None
    assert read({"amount": "0.305", "ok": "1"}).amount_cents is None  # not a cent amount


def test_unreadable_answers():
    with pytest.raises(InvalidInput, match="illisible"):
        op.read_bank_answer(kind="dummy", options=DUMMY_OPTIONS, query_string="ok=1&signed=1")
    with pytest.raises(InvalidInput, match="illisible"):
        op.read_bank_answer(kind="systempayv2", options={"secret_test": "abc", "vads_site_id": "12345678"},
                            query_string="hello")


def test_systempay_answer_is_verified_and_carries_the_amount():
    options = {"secret_test": "1122334455667788", "vads_site_id": "12345678"}
    reference = op.new_reference()
    started = _start("systempayv2", options, amount_cents=1999, reference=reference)
    fields = {k: v for k, v in started.form_fields if k != "signature"}
    fields.update(vads_result="00", vads_auth_result="00", vads_extra_result="")
    backend = eopayment.Payment("systempayv2", op.check_options("systempayv2", options)).backend
    fields["signature"] = backend.signature(fields)

    answer = op.read_bank_answer(kind="systempayv2", options=options,
                                 query_string=urlencode(fields), from_notification=True)
    assert (answer.result, answer.signed, answer.amount_cents) == ("paid", True, 1999)
    assert answer.transaction_id == started.transaction_id == answer.order_id == reference

    fields["vads_amount"] = "1"  # tampered
    forged = op.read_bank_answer(kind="systempayv2", options=options, query_string=urlencode(fields))
    assert forged.signed is False and forged.amount_cents == 1


def test_systempay_refusal():
    options = {"secret_test": "1122334455667788", "vads_site_id": "12345678"}
    started = _start("systempayv2", options, amount_cents=500)
    fields = {k: v for k, v in started.form_fields if k != "signature"}
    fields.update(vads_result="05", vads_auth_result="05", vads_extra_result="")
    backend = eopayment.Payment("systempayv2", op.check_options("systempayv2", options)).backend
    fields["signature"] = backend.signature(fields)
    answer = op.read_bank_answer(kind="systempayv2", options=options, query_string=urlencode(fields))
    assert answer.result == "refused" and answer.signed


def test_tipi_answer():
    answer = op.read_bank_answer(
        kind="tipi", options={"numcli": "123456"},
        query_string="numcli=123456&refdet=CVABC123456&montant=1030&resultrans=R&saisie=T")
    assert (answer.result, answer.amount_cents, answer.transaction_id) == ("refused", 1030, "CVABC123456")
    assert answer.order_id == "CVABC123456" and answer.test


def test_paybox_unsigned_answer_is_not_trusted():
    options = {"site": "1999888", "rang": "32", "identifiant": "107904482",
               "shared_secret": "0123456789ABCDEF" * 4}
    answer = op.read_bank_answer(kind="paybox", options=options,
                                 query_string="montant=1240&reference=CVREF123456&erreur=00000")
    assert (answer.result, answer.signed, answer.amount_cents) == ("paid", False, 1240)
    assert answer.transaction_id == answer.order_id == "CVREF123456"


def test_bank_message_fits_the_column():
    query = urlencode({"transaction_id": "abc", "amount": "1.00", "refused": "1", "reason": "x" * 5000})
    answer = op.read_bank_answer(kind="dummy", options=DUMMY_OPTIONS, query_string=query)
    assert len(answer.bank_message) == op.BANK_MESSAGE_MAX


def test_notification_payload_reads_post_bodies_and_get_queries():
    assert op.notification_payload("POST", "", b"transaction_id=a&ok=1") == "transaction_id=a&ok=1"
    assert op.notification_payload("GET", "reference=x&erreur=00000", b"") == "reference=x&erreur=00000"
    assert op.notification_payload("POST", "idop=1", b"  ") == "idop=1"


def test_format_euros():
    assert op.format_euros(1240) == "12,40\u00a0€"
    assert op.format_euros(30) == "0,30\u00a0€"
    assert op.format_euros(123456) == "1\u202f234,56\u00a0€"
