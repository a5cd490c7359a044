"""Reading a families file (CSV from a spreadsheet, or Excel .xlsx with openpyxl) into lines of
text by column, and the template staff download to fill in."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime

from cityviz.services.errors import InvalidInput
from cityviz.services.exports import csv_bytes, xlsx_bytes

# key -> the column's title in the template (the order of the template)
COLUMNS = {
    "civility": "Civilité (Mme ou M.)",
    "first_name": "Prénom du responsable",
    "last_name": "Nom du responsable",
    "email": "E-mail du responsable",
    "phone": "Téléphone portable",
    "street": "Adresse",
    "postal_code": "Code postal",
    "city": "Ville",
    "child_first_name": "Prénom de l'enfant",
    "child_last_name": "Nom de l'enfant",
    "birth_date": "Date de naissance (JJ/MM/AAAA)",
    "sex": "Sexe (F ou M)",
    "school_level": "Classe",
    "allergies": "Allergies",
}
EXAMPLE = ["Mme", "Camille", "MARTIN", "camille.martin@example.org", "06 12 34 56 78", "1 rue de la Paix", "14760",
           "Bretteville-sur-Odon", "Léo", "MARTIN", "04/05/2018", "M", "CE1", "Arachide"]
MAX_LINES = 10_000


def _key(title: object) -> str:
    text = unicodedata.normalize("NFKD", str(title or "")).encode("ascii", "ignore").decode().lower()
    return " ".join(text.replace("'", " ").split())


_BY_TITLE = {_key(title): key for key, title in COLUMNS.items()}
_BY_TITLE.update({_key(title.split(" (")[0]): key for key, title in COLUMNS.items()})


def template(kind: str) -> tuple[bytes, str]:
    """The file to fill in: the columns and one example line."""
    if kind == "xlsx":
        return xlsx_bytes(list(COLUMNS.values()), [EXAMPLE], title="Familles"), "modele-familles.xlsx"
    return csv_bytes(list(COLUMNS.values()), [EXAMPLE]), "modele-familles.csv"


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value if value is not None else "").split())


def _table(filename: str, data: bytes) -> list[list[object]]:
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file)
            raise InvalidInput("Ce fichier Excel ne peut pas être lu : enregistrez-le de nouveau au format .xlsx.",
                               field="file") from exc
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's « CSV » on Windows
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        pass
    return list(csv.reader(io.StringIO(text), dialect))


def read_lines(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number in the file, {column key: text}) for each non-empty line after the header."""
    if not data:
        raise InvalidInput("Le fichier est vide.", field="file")
    table = _table(filename, data)
    if not table:
        raise InvalidInput("Le fichier est vide.", field="file")
    header = [_BY_TITLE.get(_key(title), "") for title in table[0]]
    missing = [COLUMNS[k] for k in ("first_name", "last_name", "email") if k not in header]
    if missing:
        raise InvalidInput("Colonnes manquantes : " + ", ".join(f"« {m} »" for m in missing)
                           + ". Partez du modèle à télécharger.", field="file")
    lines = []
    for number, row in enumerate(table[1:], start=2):
        values = {key: _text(row[i]) for i, key in enumerate(header) if key and i < len(row)}
        if any(values.values()):
            lines.append((number, values))
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"{len(lines)} lignes : importez au plus {MAX_LINES} lignes à la fois.", field="file")
    return lines
