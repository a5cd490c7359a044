"""SEPA direct debit (prélèvement): IBAN / BIC checks and the pain.008 file.

Pure: plain frozen dataclasses in, values or XML bytes out — no database, no
Reflex. IBANs and BICs are checked with schwifty; the file is written by
sepaxml (pain.008.001.02, the version French banks accept for SEPA Core
direct debits) and validated against sepaxml's copy of the XSD before it is
returned.

Text sent to the bank is reduced to SEPA's restricted Latin set and to the
EPC lengths: "Élodie Lefèvre" becomes "Elodie Lefevre", names are cut at 70
characters and the remittance information at 140.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors
from sepaxml import SepaDD
from sepaxml.validation import ValidationError as SepaValidationError
from text_unidecode import unidecode

from cityviz.services.errors import InvalidInput

SCHEMA = "pain.008.001.02"
SequenceType = Literal["FRST", "RCUR"]
SEQUENCES: tuple[str, ...] = ("FRST", "RCUR")  # first debit of a mandate, then recurring

NAME_MAX = 70  # EPC limit for creditor and debtor names
REMITTANCE_MAX = 140  # unstructured remittance information
ID_MAX = 35  # message, batch, end-to-end and mandate identifiers
AMOUNT_MAX_CENTS = 99_999_999_999  # 999 999 999,99 €, the EPC maximum

# Characters a SEPA file may carry (EPC "Latin character set").
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
# Identifiers: the same set without spaces, never starting or ending with "/"
# and without "//" (EPC rules for end-to-end and mandate ids).
_IDENTIFIER = re.compile(r"(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+]{1,35}(?<!/)")
# Same pattern as the XSD's BICIdentifier.
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")
# Creditor identifier (ICS): country, 2 check digits, 3-character business
# code ("ZZZ" by default), national identifier (6 characters in France).
_CREDITOR_ID = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}")

# Before transliteration: what text_unidecode renders badly in French.
_FRENCH = str.maketrans({"°": "o", "Œ": "Oe", "œ": "oe", "Æ": "Ae", "æ": "ae", "&": " et "})

_IBAN_MESSAGES: dict[type[Exception], str] = {
    schwifty_errors.InvalidChecksumDigits: "IBAN invalide : vérifiez les chiffres de contrôle.",
    schwifty_errors.InvalidBBANChecksum: "IBAN invalide : vérifiez les chiffres de contrôle.",
    schwifty_errors.InvalidLength: "IBAN invalide : le nombre de caractères ne correspond pas au pays.",
    schwifty_errors.InvalidCountryCode: "IBAN invalide : le code pays est inconnu.",
}


# --------------------------------------------------------------------------
# IBAN, BIC, creditor identifier


def normalize_iban(value: str) -> str:
    """'fr76 3000 6000 …' -> 'FR7630006000…'; InvalidInput if wrong or outside SEPA."""
    if not value or not value.strip():
        raise InvalidInput("Saisissez l'IBAN.", field="iban")
    iban = _parse_iban(value)
    if not iban.in_sepa_zone:
        raise InvalidInput(
            "Cet IBAN n'appartient pas à la zone SEPA : le prélèvement est impossible.",
            field="iban",
        )
    return iban.compact


def format_iban(value: str) -> str:
    """Grouped by four for display: 'FR76 3000 6000 0112 3456 7890 189'."""
    return _parse_iban(normalize_iban(value)).formatted


def bic_for_iban(iban: str) -> str | None:
    """The BIC of the IBAN's bank when schwifty's registry knows it (French
    banks are there), else None. InvalidInput if the IBAN itself is invalid."""
    bic = _parse_iban(normalize_iban(iban)).bic
    return bic.compact if bic is not None else None


def normalize_bic(value: str) -> str:
    """'bnpa fr pp' -> 'BNPAFRPP'; InvalidInput if it is not a BIC."""
    try:
        bic = BIC(value or "").compact
    except schwifty_errors.SchwiftyException:
        raise InvalidInput("BIC invalide.", field="bic") from None
    # schwifty accepts digits in the bank code; the pain.008 schema does not.
    if not _BIC.fullmatch(bic):
        raise InvalidInput("BIC invalide.", field="bic")
    return bic


def normalize_creditor_id(value: str) -> str:
    """'fr12 zzz 123456' -> 'FR12ZZZ123456'. Format only: the check digits are
    the bank's business (it issued the identifier)."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) > ID_MAX or not _CREDITOR_ID.fullmatch(compact):
        raise InvalidInput(
            "Identifiant créancier SEPA (ICS) invalide : il a la forme FR12ZZZ123456.",
            field="creditor_id",
        )
    return compact


def _parse_iban(value: str) -> IBAN:
    try:
        return IBAN(value)
    except schwifty_errors.SchwiftyException as error:
        message = _IBAN_MESSAGES.get(type(error), "IBAN invalide.")
        raise InvalidInput(message, field="iban") from None


# --------------------------------------------------------------------------
# Text for the bank


def sepa_text(value: str, limit: int) -> str:
    """Transliterated to SEPA's Latin set, spaces collapsed, cut at `limit`."""
    latin = unidecode((value or "").translate(_FRENCH))
    cleaned = " ".join(_NOT_SEPA.sub(" ", latin).split())
    return cleaned[:limit].rstrip()


def _identifier(value: str, what: str) -> str:
    if not _IDENTIFIER.fullmatch(value or ""):
        raise InvalidInput(
            f"{what} invalide : 1 à 35 caractères parmi les lettres sans accent, "
            f"les chiffres et - / ? : ( ) . , ' +, sans espace."
        )
    return value


# --------------------------------------------------------------------------
# pain.008


@dataclass(frozen=True, kw_only=True)
class SepaCreditor:
    name: str
    iban: str
    bic: str
    creditor_id: str  # ICS, e.g. FR12ZZZ123456


@dataclass(frozen=True, kw_only=True)
class SepaDebit:
    end_to_end_id: str  # unique, shown on the debtor's statement
    amount_cents: int
    debtor_name: str
    debtor_iban: str
    debtor_bic: str  # "" allowed: sent as NOTPROVIDED (IBAN-only, allowed in SEPA)
    mandate_reference: str  # RUM
    mandate_signed_on: date
    remittance: str  # "Facture n° 20240900005"
    sequence: SequenceType = "RCUR"


class _SepaDD(SepaDD):
    """sepaxml's SepaDD with the caller's identifiers instead of random ones,
    so that a file can be traced back to its batch."""

    def __init__(self, config: dict, message_id: str):
        super().__init__(config, schema=SCHEMA, clean=False)  # we clean ourselves
        self.msg_id = message_id
        self._xml.find("CstmrDrctDbtInitn/GrpHdr/MsgId").text = message_id

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        for info in self._xml.iter("PmtInf"):
            sequence = info.find("PmtTpInf/SeqTp").text
            info.find("PmtInfId").text = f"{self.msg_id[:30]}-{sequence}"


def build_pain008(
    creditor: SepaCreditor,
    debits: Sequence[SepaDebit],
    collection_date: date,
    batch_reference: str,
) -> bytes:
    """The pain.008.001.02 file: one batch (PmtInf) per sequence type, FRST first.

    batch_reference becomes the message id (MsgId) and, suffixed with the
    sequence type, the batch ids. Raises InvalidInput on any bad value.
    """
    if not debits:
        raise InvalidInput("Aucun prélèvement à exporter.")
    message_id = _identifier(batch_reference, "Référence du lot")
    _check_unique_ids(debits)
    sepa = _SepaDD(_creditor_config(creditor), message_id)
    ordered = sorted(debits, key=lambda debit: SEQUENCES.index(_sequence(debit)))
    for debit in ordered:
        sepa.add_payment(_payment(debit, collection_date))
    try:
        return sepa.export(validate=True)
    except SepaValidationError as error:
        raise InvalidInput(
            "Le fichier de prélèvement n'est pas conforme au format SEPA (pain.008)."
        ) from error


def _creditor_config(creditor: SepaCreditor) -> dict:
    name = sepa_text(creditor.name, NAME_MAX)
    if not name:
        raise InvalidInput("Indiquez le nom du créancier.")
    return {
        "name": name,
        "IBAN": normalize_iban(creditor.iban),
        "BIC": normalize_bic(creditor.bic),
        "batch": True,
        "creditor_id": normalize_creditor_id(creditor.creditor_id),
        "currency": "EUR",
        "instrument": "CORE",
    }


def _check_unique_ids(debits: Sequence[SepaDebit]) -> None:
    seen: set[str] = set()
    for debit in debits:
        if debit.end_to_end_id in seen:
            raise InvalidInput(f"Référence de prélèvement en double : {debit.end_to_end_id}.")
        seen.add(debit.end_to_end_id)


def _sequence(debit: SepaDebit) -> str:
    if debit.sequence not in SEQUENCES:
        raise InvalidInput(f"Type de prélèvement inconnu : {debit.sequence}.")
    return debit.sequence


def _payment(debit: SepaDebit, collection_date: date) -> dict:
    """The payment dict sepaxml expects; amount in integer cents (it checks)."""
    amount = debit.amount_cents
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= AMOUNT_MAX_CENTS:
        raise InvalidInput(f"Montant du prélèvement {debit.end_to_end_id} invalide.")
    if debit.mandate_signed_on > collection_date:
        raise InvalidInput(f"Le mandat {debit.mandate_reference} est signé après la date de prélèvement.")
    name = sepa_text(debit.debtor_name, NAME_MAX)
    remittance = sepa_text(debit.remittance, REMITTANCE_MAX)
    if not name or not remittance:
        raise InvalidInput(f"Nom du débiteur ou libellé manquant ({debit.end_to_end_id}).")
    payment = {
        "name": name,
        "IBAN": normalize_iban(debit.debtor_iban),
        "amount": amount,
        "type": _sequence(debit),
        "collection_date": collection_date,
        "mandate_id": _identifier(debit.mandate_reference, "Référence unique de mandat"),
        "mandate_date": debit.mandate_signed_on,
        "description": remittance,
        "endtoend_id": _identifier(debit.end_to_end_id, "Référence de prélèvement"),
    }
    if debit.debtor_bic.strip():
        payment["BIC"] = normalize_bic(debit.debtor_bic)
    return payment
