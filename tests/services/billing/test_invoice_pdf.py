"""Invoice and credit note PDFs: what is printed, pagination, consistency checks."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date

import pypdf
import pytest
from fpdf import FPDF

from cityviz.services.billing.invoice_pdf import render_pdf
from cityviz.services.billing.invoice_pdf_model import PdfDocument, PdfLine, PdfOrganization, PdfPayment
from cityviz.services.billing.invoice_pdf_text import compose, document_lines, format_period, format_siret
from cityviz.services.formatting import format_money

ORG = PdfOrganization(
    name="Ville de Saint-Aubin",
    legal_name="Régie enfance de Saint-Aubin-d’Aubigné",
    legal_address="Mairie – 1 place de l’Église\n35250 Saint-Aubin-d’Aubigné",
    siret="21350251300017",
    mentions="TVA non applicable, article 256 B du CGI",
)


def line(child="Léa Lefèvre", label="Restauration scolaire", qty=16, unit=270, surcharge=0):
    return PdfLine(
        child_name=child,
        label=label,
        date_from=date(2024, 9, 1),
        date_to=date(2024, 9, 30),
        quantity=qty,
        unit_price_cents=unit,
        surcharge_cents=surcharge,
        total_cents=qty * unit + surcharge,
    )


LINES = [
    line(),
    line(label="Accueil du soir", qty=8, unit=185, surcharge=300),
    line(child="Noé Lefèvre", qty=15),
]  # 43,20 + 17,80 + 40,50 = 101,50


def invoice(**changes) -> PdfDocument:
    doc = PdfDocument(
        kind="invoice",
        number="20240900005",
        issued_on=date(2024, 10, 24),
        label="Facture post-paiement pour sept. 2024",
        organization=ORG,
        payer_name="Mme Élodie Lefèvre",
        payer_address="12 rue des Écoles\n35250 Saint-Aubin-d’Aubigné",
        lines=LINES,
        total_cents=10150,
        due_date=date(2024, 11, 23),
        paid_cents=5000,
        credited_cents=1250,
        remaining_cents=3900,
        payments=[
            PdfPayment(date=date(2024, 10, 30), label="Chèque n° 1234567", amount_cents=5000),
            PdfPayment(date=date(2024, 11, 4), label="Avoir n° A20241100002", amount_cents=1250),
        ],
    )
    return dataclasses.replace(doc, **changes)


def credit_note(**changes) -> PdfDocument:
    doc = PdfDocument(
        kind="credit_note",
        number="A20241100002",
        issued_on=date(2024, 11, 4),
        label="Correction de la facture de sept. 2024",
        organization=ORG,
        payer_name="Mme Élodie Lefèvre",
        payer_address="12 rue des Écoles\n35250 Saint-Aubin-d’Aubigné",
        lines=[
            PdfLine(child_name="Noé Lefèvre", label="Mercredi loisirs", quantity=1,
                    unit_price_cents=1250, total_cents=1250)
        ],
        total_cents=1250,
        refers_to="20240900005",
        refers_to_issued_on=date(2024, 10, 24),
        reason="Absence pour maladie",
        payments=[PdfPayment(date=date(2024, 11, 4), label="Imputé sur la facture n° 20240900005",
                             amount_cents=1250)],
    )
    return dataclasses.replace(doc, **changes)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page(?!s)", pdf))


# --------------------------------------------------------------------------
# What is printed


def test_invoice_prints_number_dates_payer_and_siret():
    text = document_lines(invoice())
    assert "Facture n°\u00a020240900005" in text
    assert "Émise le 24/10/2024" in text
    assert "Facture post-paiement pour sept. 2024" in text
    assert "Mme Élodie Lefèvre" in text
    assert "35250 Saint-Aubin-d’Aubigné" in text
    assert "SIRET : 213 502 513 00017" in text
    assert "À régler avant le 23/11/2024" in text
    assert "du 01/09/2024 au 30/09/2024" in text


def test_invoice_prints_every_amount_as_on_screen():
    text = document_lines(invoice())
    for cents in (270, 185, 300, 4320, 1780, 4050, 10150, 5000, 1250, 3900):
        assert format_money(cents) in text, format_money(cents)
    assert "43,20\u00a0€" in text  # babel's format, the same as the pages


def test_totals_block_of_an_invoice():
    totals = compose(invoice()).totals
    assert totals == [
        ("Montant total", "101,50\u00a0€"),
        ("Déjà réglé", "50,00\u00a0€"),
        ("Avoirs imputés", "12,50\u00a0€"),
        ("Reste à payer", "39,00\u00a0€"),
    ]


def test_lines_are_grouped_per_child_with_subtotals():
    rows = compose(invoice()).rows
    assert [(row.kind, row.cells[0]) for row in rows] == [
        ("child", "Léa Lefèvre"),
        ("line", "Restauration scolaire"),
        ("line", "Accueil du soir"),
        ("subtotal", "Sous-total Léa Lefèvre"),
        ("child", "Noé Lefèvre"),
        ("line", "Restauration scolaire"),
        ("subtotal", "Sous-total Noé Lefèvre"),
    ]
    assert rows[2].cells[4] == "3,00\u00a0€"  # surcharge column
    assert rows[1].cells[4] == ""  # blank when no surcharge


def test_no_surcharge_column_when_no_line_has_one():
    doc = invoice(lines=[line()], total_cents=4320, paid_cents=0, credited_cents=0,
                  remaining_cents=None, payments=[])
    part = compose(doc)
    assert part.table_head == ("Activité", "Période", "Qté", "Prix unit.", "Montant")
    assert [row.kind for row in part.rows] == ["child", "line"]  # one child: no subtotal


def test_direct_debit_replaces_the_due_date():
    doc = invoice(direct_debit_on=date(2024, 11, 10))
    notes = compose(doc).notes
    assert notes == ["Prélèvement automatique le 10/11/2024"]


def test_settled_invoice_says_so():
    doc = invoice(paid_cents=8900, remaining_cents=0, payments=[
        PdfPayment(date=date(2024, 10, 30), label="Carte bancaire", amount_cents=8900),
        PdfPayment(date=date(2024, 11, 4), label="Avoir n° A20241100002", amount_cents=1250),
    ])
    part = compose(doc)
    assert part.totals[-1] == ("Reste à payer", "0,00\u00a0€")
    assert part.notes == ["Facture acquittée"]


def test_credit_note_layout():
    part = compose(credit_note())
    assert part.title == "Avoir n°\u00a0A20241100002"
    assert part.subtitle == [
        "Émis le 04/11/2024",
        "Correction de la facture de sept. 2024",
        "Avoir sur la facture n°\u00a020240900005 du 24/10/2024",
        "Motif : Absence pour maladie",
    ]
    assert part.totals == [("Montant de l’avoir", "12,50\u00a0€")]
    assert part.notes == []
    assert "reste à votre crédit" in part.remarks[0]
    assert part.payments_title == "Imputations"
    assert part.rows[1].cells[1] == ""  # no dates given: no period printed
    assert render_pdf(credit_note()).startswith(b"%PDF-")


def test_footer_carries_the_organization_mentions():
    footer = compose(invoice()).footer
    assert footer == [
        "Régie enfance de Saint-Aubin-d’Aubigné – Mairie – 1 place de l’Église, "
        "35250 Saint-Aubin-d’Aubigné",
        "SIRET 213 502 513 00017 – TVA non applicable, article 256 B du CGI",
    ]


def test_small_formatters():
    assert format_siret("21350251300017") == "213 502 513 00017"
    assert format_siret("abc") == "abc"
    assert format_period(date(2024, 9, 11), date(2024, 9, 11)) == "le 11/09/2024"
    assert format_period(None, None) == ""


# --------------------------------------------------------------------------
# The PDF draws exactly the composed strings


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """Every text handed to fpdf2's cell / multi_cell while rendering."""
    texts: list[str] = []
    for name in ("cell", "multi_cell"):
        original = getattr(FPDF, name)

        def spy(self, *args, _original=original, **kwargs):
            text = kwargs.get("text", args[2] if len(args) > 2 else "")
            if text:
                texts.append(text)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(FPDF, name, spy)
    return texts


@pytest.mark.parametrize("make", [invoice, credit_note])
def test_render_pdf_draws_exactly_document_lines(drawn, make):
    doc = make()
    render_pdf(doc)
    page_numbers = {text for text in drawn if re.fullmatch(r"Page \d+/\{nb\}", text)}
    assert page_numbers == {"Page 1/{nb}"}
    assert set(drawn) - page_numbers == set(document_lines(doc))


def test_pdf_text_as_read_by_a_pdf_reader():
    """The file itself, read back by pypdf (no system tool needed): what a parent's viewer shows."""
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(invoice())))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ("Facture n° 20240900005", "Émise le 24/10/2024", "SIRET : 213 502 513 00017",
                     "Mme Élodie Lefèvre", "43,20 €", "Reste à payer", "39,00 €", "Page 1/1"):
        assert expected in text.replace("\u00a0", " ").replace("\u202f", " "), expected


# --------------------------------------------------------------------------
# File properties


def test_sixty_lines_paginate_with_page_numbers(drawn):
    lines = [line(child=f"Enfant {i % 3}", qty=1 + i % 5) for i in range(60)]
    total = sum(item.total_cents for item in lines)
    doc = invoice(lines=lines, total_cents=total, paid_cents=0, credited_cents=0,
                  remaining_cents=None, payments=[])
    pdf = render_pdf(doc)
    pages = page_count(pdf)
    assert pages >= 2
    assert {f"Page {n}/{{nb}}" for n in range(1, pages + 1)} <= set(drawn)
    # The table heading is repeated on every page.
    assert drawn.count("Activité") >= pages


def test_output_is_deterministic_and_small():
    first, second = render_pdf(invoice()), render_pdf(invoice())
    assert first == second
    assert len(first) < 60_000  # fonts are subset
    assert b"/CreationDate (D:20241024" in first


def test_logo_is_embedded():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (20, 80, 160)).save(buffer, format="PNG")
    org = dataclasses.replace(ORG, logo_png=buffer.getvalue())
    assert b"/Subtype /Image" in render_pdf(invoice(organization=org))


# --------------------------------------------------------------------------
# The PDF never disagrees with the screen


def test_total_must_equal_the_sum_of_lines():
    with pytest.raises(ValueError, match="sum of the lines"):
        render_pdf(invoice(total_cents=10151))


def test_line_total_must_match_quantity_and_prices():
    bad = dataclasses.replace(LINES[0], total_cents=4321)
    with pytest.raises(ValueError, match="Line total"):
        render_pdf(invoice(lines=[bad, *LINES[1:]], total_cents=10151))


def test_remaining_must_match():
    with pytest.raises(ValueError, match="Remaining"):
        render_pdf(invoice(remaining_cents=3800))


def test_payments_listed_must_add_up():
    with pytest.raises(ValueError, match="add up"):
        render_pdf(invoice(payments=[
            PdfPayment(date=date(2024, 10, 30), label="Chèque", amount_cents=5000)
        ]))


@pytest.mark.parametrize(
    "changes",
    [
        {"paid_cents": -1, "remaining_cents": None, "payments": []},
        {"paid_cents": 9000, "remaining_cents": None, "payments": []},  # overpaid: -1,00 €
        {"lines": [line(unit=-270)], "total_cents": -4320},
    ],
)
def test_amounts_are_never_negative(changes):
    with pytest.raises(ValueError):
        render_pdf(invoice(**changes))


def test_credit_note_refers_to_an_invoice():
    with pytest.raises(ValueError, match="refers"):
        render_pdf(credit_note(refers_to=""))


def test_document_without_lines_is_refused():
    with pytest.raises(ValueError, match="line"):
        render_pdf(invoice(lines=[], total_cents=0, paid_cents=0, credited_cents=0,
                           remaining_cents=None, payments=[]))


def test_wide_logo_is_fitted_in_its_box():
    from PIL import Image

    from cityviz.services.billing.invoice_pdf import _logo_box

    buffer = io.BytesIO()
    Image.new("RGB", (1000, 100), (20, 80, 160)).save(buffer, format="PNG")
    assert _logo_box(buffer.getvalue()) == (50, 5)
