"""The certificates as PDF (fpdf2, A4, DejaVu like the invoices): one page per organization,
each certifying what concerns it, with its identity (name, address, SIRET)."""

from __future__ import annotations

from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlmodel import Session

from cityviz import clock
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import certificates
from cityviz.services.billing.certificates import Issuer, PaymentCertificate, PresenceCertificate, TaxCertificate
from cityviz.services.billing.invoice_pdf import FONT, FONT_DIR, format_siret
from cityviz.services.errors import InvalidInput
from cityviz.services.formatting import format_date, format_money

MARGIN = 20.0


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, MARGIN)

    def line_of(self, text: str, size: float = 10, bold: bool = False, gap: float = 1.5) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def issuer_page(self, issuer: Issuer, title: str) -> None:
        self.add_page()
        self.line_of(issuer.legal_name, 11, bold=True, gap=0.5)
        self.line_of(issuer.address, 9, gap=0.5)
        if issuer.siret:
            self.line_of(f"SIRET {format_siret(issuer.siret)}", 9, gap=0.5)
        self.ln(12)
        self.line_of(title, 16, bold=True, gap=6)

    def signature(self, issuer: Issuer) -> None:
        self.ln(8)
        self.line_of(f"Fait pour valoir ce que de droit, le {format_date(clock.today())}.", 10)
        self.line_of(f"Pour {issuer.name}, la régie.", 10)


def tax_certificate_pdf(cert: TaxCertificate) -> bytes:
    pdf = _Pdf()
    if not cert.amounts:
        raise ValueError("nothing to certify")
    for amount in cert.amounts:
        pdf.issuer_page(amount.issuer, f"Attestation fiscale {cert.year} – frais de garde")
        pdf.line_of(f"{amount.issuer.legal_name} atteste avoir reçu de {cert.payer_name}, "
                    f"{cert.payer_address.replace(chr(10), ', ')}, au titre de la garde de l'enfant "
                    f"{cert.child_name}, né(e) le {cert.birth_date}, la somme de :")
        pdf.line_of(format_money(amount.cents), 14, bold=True, gap=4)
        pdf.line_of(f"payée entre le 01/01/{cert.year} et le 31/12/{cert.year} pour l'accueil périscolaire et de "
                    "loisirs de l'enfant, frais de repas exclus. Cette somme peut ouvrir droit au crédit d'impôt "
                    "pour frais de garde des enfants de moins de 6 ans (article 200 quater B du code général des "
                    "impôts), déduction faite des aides perçues pour cette garde.", 9)
        pdf.signature(amount.issuer)
    return bytes(pdf.output())


def payment_certificate_pdf(cert: PaymentCertificate) -> bytes:
    pdf = _Pdf()
    if not cert.by_issuer:
        raise ValueError("nothing to certify")
    for issuer, lines in cert.by_issuer:
        pdf.issuer_page(issuer, "Attestation de paiement")
        pdf.line_of(f"{issuer.legal_name} atteste avoir reçu de {cert.payer_name} les paiements suivants, "
                    f"du {cert.start} au {cert.end} :")
        for line in lines:
            pdf.line_of(f"{line.day}   {line.method}   {format_money(line.cents)}", 10, gap=0.5)
        pdf.ln(3)
        pdf.line_of(f"Total : {format_money(sum(x.cents for x in lines))}", 11, bold=True)
        pdf.signature(issuer)
    return bytes(pdf.output())


def presence_certificate_pdf(cert: PresenceCertificate) -> bytes:
    pdf = _Pdf()
    if not cert.by_issuer:
        raise ValueError("nothing to certify")
    for issuer, lines in cert.by_issuer:
        pdf.issuer_page(issuer, "Attestation de présence")
        born = f", né(e) le {cert.birth_date}," if cert.birth_date else ""
        pdf.line_of(f"{issuer.legal_name} atteste que l'enfant {cert.child_name}{born} a été accueilli(e), "
                    f"du {cert.start} au {cert.end}, aux activités suivantes :")
        for line in lines:
            pdf.line_of(f"{line.activity} : {line.days} jour(s) de présence, du {line.first} au {line.last}",
                        10, gap=0.5)
        pdf.signature(issuer)
    return bytes(pdf.output())


KINDS = {"fiscale": "Attestation fiscale", "paiement": "Attestation de paiement", "presence": "Attestation de présence"}


def certificate_file(s: Session, *, actor: Actor, kind: str, child_id: int = 0, year: int = 0,
                     start: date | None = None, end: date | None = None) -> tuple[bytes, str]:
    """(PDF, file name) of one of the household's certificates, produced on demand."""
    actor.require_household()
    if kind == "fiscale":
        cert = certificates.tax_certificate(s, actor=actor, child_id=child_id, year=year)
        if not cert.amounts:
            raise InvalidInput(f"Aucun paiement de frais de garde en {year} pour cet enfant.")
        return tax_certificate_pdf(cert), f"attestation-fiscale-{year}-{_slug(cert.child_name)}.pdf"
    if start is None or end is None:
        raise InvalidInput("Indiquez la période.", field="start")
    if kind == "paiement":
        payments = certificates.payment_certificate(s, actor=actor, start=start, end=end)
        if not payments.by_issuer:
            raise InvalidInput("Aucun paiement reçu sur cette période.")
        return payment_certificate_pdf(payments), f"attestation-paiement-{start}-{end}.pdf"
    if kind == "presence":
        presence = certificates.presence_certificate(s, actor=actor, child_id=child_id, start=start, end=end)
        if not presence.by_issuer:
            raise InvalidInput("Aucune présence enregistrée sur cette période.")
        return presence_certificate_pdf(presence), f"attestation-presence-{start}-{_slug(presence.child_name)}.pdf"
    raise InvalidInput("Attestation inconnue.")


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
