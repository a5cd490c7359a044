"""SEPA direct debit: IBAN / BIC checks and the pain.008 file."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import date

import pytest
import sepaxml.shared

from cityviz.services.billing import sepa
from cityviz.services.billing.sepa import (
    SepaCreditor,
    SepaDebit,
    bic_for_iban,
    build_pain008,
    format_iban,
    normalize_bic,
    normalize_creditor_id,
    normalize_iban,
    sepa_text,
)
from cityviz.services.errors import InvalidInput

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
FR_IBAN = "FR7630006000011234567890189"  # Crédit Agricole test IBAN (valid RIB key)
CREDITOR = SepaCreditor(
    name="Régie enfance de Saint-Aubin-d’Aubigné",
    iban="FR76 3000 4000 0312 3456 7890 143",
    bic="bnpafrpp",
    creditor_id="fr12 zzz 123456",
)
COLLECTION = date(2024, 11, 10)


def debit(**changes) -> SepaDebit:
    base = SepaDebit(
        end_to_end_id="F20240900005",
        amount_cents=4320,
        debtor_name="Élodie Lefèvre",
        debtor_iban=FR_IBAN,
        debtor_bic="AGRIFRPP",
        mandate_reference="CVZ-1-000001",
        mandate_signed_on=date(2024, 1, 5),
        remittance="Facture n° 20240900005",
    )
    return dataclasses.replace(base, **changes)


def parse(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)


def texts(root: ET.Element, path: str) -> list[str]:
    return [element.text for element in root.findall(path, NS)]


# --------------------------------------------------------------------------
# IBAN, BIC, creditor id


@pytest.mark.parametrize(
    "value", [FR_IBAN, "fr76 3000 6000 0112 3456 7890 189", " FR76 3000 6000 0112 3456 7890 189 "]
)
def test_normalize_iban_accepts_spaces_and_lowercase(value):
    assert normalize_iban(value) == FR_IBAN


def test_other_sepa_countries_are_accepted():
    assert normalize_iban("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("FR7630006000011234567890188", "IBAN invalide : vérifiez les chiffres de contrôle."),
        ("FR7730006000011234567890189", "IBAN invalide : vérifiez les chiffres de contrôle."),
        ("FR763000600001123456789018", "IBAN invalide : le nombre de caractères ne correspond pas au pays."),
        ("XX7630006000011234567890189", "IBAN invalide : le code pays est inconnu."),
        ("bonjour", "IBAN invalide."),
        ("  ", "Saisissez l'IBAN."),
    ],
)
def test_invalid_iban(value, message):
    with pytest.raises(InvalidInput) as caught:
        normalize_iban(value)
    assert caught.value.message == message
    assert caught.value.field == "iban"


def test_iban_outside_sepa_is_refused():
    with pytest.raises(InvalidInput, match="zone SEPA"):
        normalize_iban("BR1500000000000010932840814P2")


def test_format_iban():
    assert format_iban("fr7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"


def test_bic_for_a_french_iban():
    assert bic_for_iban("fr76 3000 6000 0112 3456 7890 189") == "AGRIFRPPXXX"
    with pytest.raises(InvalidInput):
        bic_for_iban("FR7630006000011234567890188")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("BNPAFRPP", "BNPAFRPP"), ("bnpa fr pp", "BNPAFRPP"), ("AGRIFRPPXXX", "AGRIFRPPXXX")],
)
def test_normalize_bic(value, expected):
    assert normalize_bic(value) == expected


@pytest.mark.parametrize("value", ["BNPAFRP", "BNPAXXPP", "1234FRPP", "BNPAFRPPXXXX", ""])
def test_invalid_bic(value):
    with pytest.raises(InvalidInput) as caught:
        normalize_bic(value)
    assert caught.value.message == "BIC invalide."


def test_creditor_id_format():
    assert normalize_creditor_id("fr12 zzz 123456") == "FR12ZZZ123456"
    for bad in ("", "FR12", "FRXXZZZ123456", "FR12ZZZ12345_"):
        with pytest.raises(InvalidInput, match="ICS"):
            normalize_creditor_id(bad)


def test_sepa_text_transliterates_and_truncates():
    assert sepa_text("Élodie Lefèvre", 70) == "Elodie Lefevre"
    assert sepa_text("Œuvre & Fils — «école»", 70) == "Oeuvre et Fils -- ecole"
    assert sepa_text("Facture n° 20240900005 : 43,20 €", 140) == "Facture no 20240900005 : 43,20 EUR"
    assert sepa_text("x_y@z!", 70) == "x y z"
    assert sepa_text("A" * 80, 70) == "A" * 70


# --------------------------------------------------------------------------
# pain.008


def test_file_carries_amounts_sums_ids_and_mandates():
    debits = [
        debit(),
        debit(end_to_end_id="F20240900006", amount_cents=12345, mandate_reference="CVZ-1-000002"),
    ]
    xml = build_pain008(CREDITOR, debits, COLLECTION, "CVZ-20241110-01")
    text = xml.decode()
    assert '<InstdAmt Ccy="EUR">43.20</InstdAmt>' in text
    assert '<InstdAmt Ccy="EUR">123.45</InstdAmt>' in text
    root = parse(xml)
    assert texts(root, "p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId") == ["CVZ-20241110-01"]
    assert texts(root, "p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs") == ["2"]
    assert texts(root, "p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum") == ["166.65"]
    assert texts(root, ".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id") == ["FR12ZZZ123456"]
    assert texts(root, ".//p:MndtId") == ["CVZ-1-000001", "CVZ-1-000002"]
    assert texts(root, ".//p:DtOfSgntr") == ["2024-01-05", "2024-01-05"]
    assert texts(root, ".//p:EndToEndId") == ["F20240900005", "F20240900006"]
    assert texts(root, ".//p:ReqdColltnDt") == ["2024-11-10"]
    assert texts(root, ".//p:CdtrAcct/p:Id/p:IBAN") == ["FR7630004000031234567890143"]
    assert texts(root, ".//p:CdtrAgt/p:FinInstnId/p:BIC") == ["BNPAFRPP"]
    assert texts(root, ".//p:LclInstrm/p:Cd") == ["CORE"]


def test_one_batch_per_sequence_type_first_debits_first():
    debits = [
        debit(),
        debit(end_to_end_id="E2", amount_cents=1000, sequence="FRST", mandate_reference="M2"),
        debit(end_to_end_id="E3", amount_cents=500, mandate_reference="M3"),
    ]
    root = parse(build_pain008(CREDITOR, debits, COLLECTION, "LOT-1"))
    batches = root.findall(".//p:PmtInf", NS)
    assert [b.find("p:PmtTpInf/p:SeqTp", NS).text for b in batches] == ["FRST", "RCUR"]
    assert [b.find("p:PmtInfId", NS).text for b in batches] == ["LOT-1-FRST", "LOT-1-RCUR"]
    assert [b.find("p:NbOfTxs", NS).text for b in batches] == ["1", "2"]
    assert [b.find("p:CtrlSum", NS).text for b in batches] == ["10.00", "48.20"]
    assert texts(root, "p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum") == ["58.20"]


def test_names_and_remittance_are_transliterated_and_truncated():
    long_name = "Élodie-Marie Lefèvre-Dupont de la Châtaigneraie épouse Saint-Exupéry-Bézier"
    creditor = dataclasses.replace(CREDITOR, name="Régie « Enfance » & Périscolaire")
    xml = build_pain008(
        creditor, [debit(debtor_name=long_name, remittance="Facture n° 20240900005 – sept.")],
        COLLECTION, "LOT-1",
    )
    root = parse(xml)
    name = texts(root, ".//p:Dbtr/p:Nm")[0]
    assert name == sepa_text(long_name, 70)
    assert name.startswith("Elodie-Marie Lefevre-Dupont de la Chataigneraie")
    assert len(name) <= 70
    assert texts(root, ".//p:Cdtr/p:Nm") == ["Regie Enfance et Periscolaire"]
    assert texts(root, ".//p:Ustrd") == ["Facture no 20240900005 - sept."]
    assert "É" not in xml.decode() and "é" not in xml.decode()


def test_debtor_without_bic_is_sent_as_not_provided():
    root = parse(build_pain008(CREDITOR, [debit(debtor_bic="")], COLLECTION, "LOT-1"))
    assert texts(root, ".//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") == ["NOTPROVIDED"]


def test_the_file_is_validated_against_the_schema(monkeypatch):
    calls = []
    original = sepaxml.shared.try_valid_xml

    def spy(xml, schema):
        calls.append(schema)
        return original(xml, schema)

    monkeypatch.setattr(sepaxml.shared, "try_valid_xml", spy)
    build_pain008(CREDITOR, [debit()], COLLECTION, "LOT-1")
    assert calls == ["pain.008.001.02"]


def test_schema_violation_becomes_invalid_input(monkeypatch):
    # Let a 36-character batch reference through our own check: the XSD refuses it.
    monkeypatch.setattr(sepa, "_identifier", lambda value, what: value)
    with pytest.raises(InvalidInput, match="pain.008"):
        build_pain008(CREDITOR, [debit()], COLLECTION, "L" * 36)


def test_empty_debit_list_is_refused():
    with pytest.raises(InvalidInput, match="Aucun prélèvement"):
        build_pain008(CREDITOR, [], COLLECTION, "LOT-1")


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_cents": 0},
        {"amount_cents": -4320},
        {"amount_cents": 43.20},
        {"debtor_iban": "FR7630006000011234567890188"},
        {"debtor_bic": "BNPAXXPP"},
        {"mandate_reference": "CVZ 1"},
        {"mandate_reference": "/CVZ-1"},
        {"end_to_end_id": "A//B"},
        {"end_to_end_id": "E" * 36},
        {"sequence": "OOFF"},
        {"mandate_signed_on": date(2024, 11, 11)},
        {"debtor_name": "@ * @"},
        {"remittance": ""},
    ],
)
def test_bad_debits_are_refused(changes):
    with pytest.raises(InvalidInput):
        build_pain008(CREDITOR, [debit(**changes)], COLLECTION, "LOT-1")


def test_duplicate_end_to_end_ids_are_refused():
    with pytest.raises(InvalidInput, match="double"):
        build_pain008(CREDITOR, [debit(), debit(mandate_reference="M2")], COLLECTION, "LOT-1")


@pytest.mark.parametrize(
    "changes",
    [{"iban": "FR7630004000031234567890144"}, {"bic": "BNPA"}, {"creditor_id": "123"}, {"name": "  "}],
)
def test_bad_creditor_is_refused(changes):
    with pytest.raises(InvalidInput):
        build_pain008(dataclasses.replace(CREDITOR, **changes), [debit()], COLLECTION, "LOT-1")
