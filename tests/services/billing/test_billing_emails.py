"""The e-mails announcing invoices and credit notes, as the local SMTP server (aiosmtpd) receives
them: a plain-text part and an HTML part (town name and logo, one button, French amounts and
dates), the PDF attached when the régie says so."""

import io
import re
from html import unescape

import pytest
from pypdf import PdfReader
from sqlmodel import select

from cityviz import db
from cityviz.models import Invoice, Organization
from cityviz.services import email_render
from cityviz.services.billing import credits, regie
from cityviz.services.errors import AccessDenied
from cityviz.services.formatting import format_date, format_money
from cityviz.services.households import files
from tests import factories
from tests.services import test_email
from tests.services.billing import test_billing

# The September town and the local SMTP server of those modules' tests.
town, _issue = test_billing.town, test_billing._issue
smtp, parts = test_email.smtp, test_email.parts

pytestmark = pytest.mark.usefixtures("database")


def _subject(message) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))


def _pdfs(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in message.walk()
            if part.get_content_disposition() == "attachment"}


def _set_pdf(town, value: bool) -> None:
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        regie.save_regie(s, actor=town["staff"], organization_id=org.id, legal_name=org.legal_name,
                         legal_address="Place de la Mairie", siret=org.siret, invoice_due_days=30,
                         payment_backend="", payment_options={}, email_invoice_pdf=value)
        org.logo_key = files.store_generated(factories.png_bytes())


def test_invoice_email_has_both_parts_the_town_a_button_and_the_pdf(town, smtp):
    _set_pdf(town, True)
    _issue(town)
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == town["families"][0][1].id)).one()
    [message] = [m for m in smtp.messages if m["To"] == "noiret@example.org"]
    assert _subject(message) == f"Votre facture n° {invoice.number} – Démostars"
    text, html = parts(message)
    amount, due = format_money(invoice.total_cents), format_date(invoice.due_date)
    assert re.fullmatch(r"\d+,\d\d\xa0€", amount) and re.fullmatch(r"\d\d/\d\d/2026", due)
    for part in (text, unescape(html)):  # (the HTML writes the narrow space as an entity)
        assert amount in part and due in part and "Démostars" in part
    assert "http://localhost:3000/factures" in text
    # One button, which takes the place of the link in the HTML part.
    assert html.count(">Voir ma facture</a>") == 1
    assert re.search(r'<a class="button" href="http://localhost:3000/factures" style="[^"]*background: #3e63dd',
                     html)
    assert 'src="cid:logo"' in html and "<style>" in html
    [logo] = [p for p in message.walk() if p.get("Content-ID") == "<logo>"]
    assert logo.get_content_type() == "image/png"
    pdfs = _pdfs(message)
    assert list(pdfs) == [f"facture-{invoice.number}.pdf"]
    assert invoice.number in PdfReader(io.BytesIO(pdfs[f"facture-{invoice.number}.pdf"])).pages[0].extract_text()


def test_credit_notes_are_emailed_too_without_pdf_unless_asked(town, smtp):
    _issue(town)
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == town["families"][0][1].id)).one()
    smtp.messages.clear()
    with db.transaction() as s:
        note = credits.issue_credit_note(s, actor=town["staff"], invoice_id=invoice.id,
                                         reason="Sortie <scolaire> : repas non servis")
        number, total = note.number, note.total_cents
    [message] = smtp.messages
    assert message["To"] == "noiret@example.org"
    assert _subject(message) == f"Votre avoir n° {number} – Démostars"
    text, html = parts(message)
    assert f"l'avoir n° {number}" in text and format_money(total) in text and invoice.number in text
    assert "Sortie <scolaire>" in text and "Sortie &lt;scolaire&gt;" in html and "<scolaire>" not in html
    assert html.count(">Voir mon avoir</a>") == 1 and _pdfs(message) == {}
    assert 'src="cid:logo"' not in html  # this town has no logo


def test_only_the_regie_administrators_choose_to_attach_the_pdf(town):
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        agent = factories.actor(s, factories.make_staff(s, org, role="agent"))
    with pytest.raises(AccessDenied), db.transaction() as s:
        regie.save_regie(s, actor=agent, organization_id=town["org"], legal_name="X", legal_address="",
                         siret="", invoice_due_days=30, payment_backend="", payment_options={},
                         email_invoice_pdf=True)
    with db.read() as s:
        assert regie.regie_settings(s, actor=town["staff"], organization_id=town["org"]).email_invoice_pdf is False


def test_render_without_link_has_no_button_and_keeps_other_links():
    text, html = email_render.render(subject="Fermeture", body="Bonjour,\n\nL'accueil est fermé le 24/10/2026.\n")
    assert "class=\"button\"" not in html and "24/10/2026" in text and "Cityviz Enfance" in html
    _text, html = email_render.render(subject="x", body="Voir : https://a.example/x.\n\nAussi https://b.example/y",
                                      action_label="Ouvrir")
    assert 'href="https://a.example/x"' in html and ">Ouvrir</a>" in html
    assert '<a href="https://b.example/y"' in html  # the second link stays a link
