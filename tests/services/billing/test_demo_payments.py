"""Forged payment notifications: the bank simulator (eopayment's `dummy`
backend) exists only in a demonstration (CITYVIZ_DEMO_PAYMENTS, off by
default), and a real backend's answer counts only when eopayment verified
it. On main, a hand-made POST with signed=1 and the right amount paid an
invoice."""

import json
from decimal import Decimal
from urllib.parse import urlencode

import eopayment
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from cityviz import clock, db
from cityviz.api import build_api
from cityviz.models import Invoice, OnlinePayment, Organization
from cityviz.services.billing import ledger, online_payment, pay_online, regie
from cityviz.services.errors import Conflict, InvalidInput
from tests.services.billing.test_access_billing import two_towns  # noqa: F401 - the fixture

FORM = {"content-type": "application/x-www-form-urlencoded"}
SYSTEMPAY = {"secret_test": "8877665544332211", "secret_production": "1122334455667788", "vads_site_id": "12345678", "vads_ctx_mode": "PRODUCTION"}


def _on(town, backend, options=None) -> None:
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        org.payment_backend, org.payment_options = backend, json.dumps(options or {})
        s.add(org)


def _pending(town, backend, transaction_id, amount_cents=360) -> None:
    """An online payment started earlier (the way start_online_payment stores it)."""
    with db.transaction() as s:
        s.add(OnlinePayment(organization_id=town["org"], household_id=town["household"], invoice_id=town["invoice"],
                            backend=backend, transaction_id=transaction_id, amount_cents=amount_cents,
                            status="pending", created_at=clock.now()))


def _due(town) -> int:
    with db.read() as s:
        invoice = s.get(Invoice, town["invoice"])
        return ledger.remaining_by_invoice(s, [invoice])[invoice.id]


def _status() -> str:
    with db.read() as s:
        return s.exec(select(OnlinePayment.status)).one()


def _notify(town, body: str):
    return TestClient(build_api()).post(f"/paiement/notification/{town['org']}", content=body, headers=FORM)


def test_a_hand_made_simulator_notification_pays_nothing_outside_a_demonstration(two_towns):  # noqa: F811
    town = two_towns["A"]  # on the simulator (as the demo towns are)
    _pending(town, "dummy", "FORGED123456")
    forged = urlencode(online_payment.dummy_answer(transaction_id="FORGED123456", amount=Decimal("3.60"),
                                                   accepted=True, signed=True))
    response = _notify(town, forged)
    assert response.status_code == 400 and "refusé" in response.text
    assert _due(town) == 360 and _status() == "pending"


def test_the_simulator_cannot_be_started_outside_a_demonstration(two_towns, settings):  # noqa: F811
    town = two_towns["A"]
    with pytest.raises(Conflict, match="ne propose pas le paiement en ligne"):
        pay_online.start_online_payment(actor=town["parent"], invoice_id=town["invoice"])
    settings(demo_payments=1)
    started = pay_online.start_online_payment(actor=town["parent"], invoice_id=town["invoice"])
    assert "/banque-simulee?" in started.url


def test_tipi_answers_are_not_verified_so_they_pay_nothing(two_towns):  # noqa: F811
    town = two_towns["A"]
    _on(town, "tipi", {"numcli": "123456"})
    _pending(town, "tipi", "CVTIPI123456")
    response = _notify(town, "numcli=123456&refdet=CVTIPI123456&montant=360&resultrans=P")
    assert response.status_code == 400
    assert _due(town) == 360 and _status() == "pending"


def _systempay_answer(town, *, tamper: bool) -> str:
    started = online_payment.start_payment(
        kind="systempayv2", options=SYSTEMPAY, amount_cents=360, transaction_id=online_payment.new_reference(),
        email="parenta@example.org", subject="Facture", return_url="http://localhost:3000/retour",
        notification_url="http://localhost:3000/notification")
    _pending(town, "systempayv2", started.transaction_id)
    fields = {k: v for k, v in started.form_fields if k != "signature"}
    fields.update(vads_result="00", vads_auth_result="00", vads_extra_result="")
    backend = eopayment.Payment("systempayv2", online_payment.check_options("systempayv2", SYSTEMPAY)).backend
    fields["signature"] = backend.signature(fields)
    if tamper:
        fields["signature"] = "0" * len(fields["signature"])
    return urlencode(fields)


def test_a_real_backends_answer_counts_only_when_its_signature_is_verified(two_towns):  # noqa: F811
    town = two_towns["A"]
    _on(town, "systempayv2", SYSTEMPAY)
    assert _notify(town, _systempay_answer(town, tamper=True)).status_code == 200
    assert _due(town) == 360 and _status() == "pending"
    with db.transaction() as s:
        for row in s.exec(select(OnlinePayment)).all():
            s.delete(row)
    assert _notify(town, _systempay_answer(town, tamper=False)).status_code == 200
    assert _due(town) == 0 and _status() == "paid"


def _save(town, backend, options=None):
    with db.transaction() as s:
        regie.save_regie(s, actor=town["staff"], organization_id=town["org"], legal_name="Régie A",
                         legal_address="", siret="", invoice_due_days=30, payment_backend=backend,
                         payment_options=options or {})


def test_the_regie_refuses_the_simulator_outside_a_demonstration(two_towns, settings):  # noqa: F811
    town = two_towns["A"]
    with pytest.raises(InvalidInput, match="simulateur de banque ne sert qu'aux démonstrations"):
        _save(town, "dummy")
    with pytest.raises(InvalidInput, match="ne signe pas ses réponses"):
        _save(town, "tipi", {"numcli": "123456"})
    _save(town, "systempayv2", SYSTEMPAY)
    settings(demo_payments=1)
    _save(town, "dummy")
    with db.read() as s:
        assert s.get(Organization, town["org"]).payment_backend == "dummy"


def test_the_regie_page_offers_the_simulator_only_in_a_demonstration_and_warns(two_towns, settings):  # noqa: F811
    town = two_towns["A"]

    def shown():
        with db.read() as s:
            return regie.regie_settings(s, actor=town["staff"], organization_id=town["org"])

    on_simulator = shown()  # the town is on the simulator, the switch is off
    assert on_simulator.on_simulator
    assert dict(on_simulator.backend_choices)["dummy"].endswith("non autorisé")
    assert "tipi" not in dict(on_simulator.backend_choices)
    _save(town, "payfip_ws", {"numcli": "123456"})
    offered = shown()
    assert not offered.on_simulator
    assert list(dict(offered.backend_choices)) == ["", "payfip_ws", "systempayv2", "payzen", "paybox"]
    settings(demo_payments=1)
    assert dict(shown().backend_choices)["dummy"] == "Simulateur (démonstration)"
