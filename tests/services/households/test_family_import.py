"""« Importer des familles »: template, preview with French errors per line (nothing written),
import, re-import that updates and never duplicates, invitations on request, CSV and Excel."""

import io
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from cityviz import db
from cityviz.models import Enrollment, Household, OutboxEmail, Person, User
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.households import family_import, import_files
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
HEADER = ";".join(import_files.COLUMNS.values())
GOOD = "\n".join([
    HEADER,
    "Mme;Camille;Martin;camille.martin@example.org;06 12 34 56 78;1 rue de la Paix;14760;Bretteville;Léo;;04/05/2018;M;CE1;Arachide",
    "Mme;Camille;Martin;camille.martin@example.org;;;;;Zoé;Martin;12/01/2020;F;MS;",
    "M.;Karim;Benali;karim.benali@example.org;;3 allée des Tilleuls;14000;Caen;;;;;;",
])


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        agent = factories.actor(s, factories.make_staff(s, org, role="agent", email="agent@mairie.fr"))
        factories.make_household(s, last_name="AILLEURS", email="deja.pris@example.org",
                                 org=factories.make_organization(s))
        return {"org": org.id, "agent": agent}


def _preview(town, text, filename="familles.csv"):
    with db.read() as s:
        return family_import.preview_import(s, actor=town["agent"], organization_id=town["org"], filename=filename,
                                            data=text.encode("utf-8") if isinstance(text, str) else text)


def _import(town, text, filename="familles.csv", invite=False):
    with db.transaction() as s:
        return family_import.import_families(s, actor=town["agent"], organization_id=town["org"], filename=filename,
                                             data=text.encode("utf-8") if isinstance(text, str) else text,
                                             invite=invite)


def _count(model, *where):
    with db.read() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def test_the_templates_read_back_as_one_new_family(town):
    for kind in ("csv", "xlsx"):
        with db.read() as s:
            data, name = family_import.template(s, actor=town["agent"], organization_id=town["org"], kind=kind)
        preview = _preview(town, data, name)
        assert name == f"modele-familles.{kind}"
        assert (preview.total, preview.new_families, preview.new_children, preview.error_lines) == (1, 1, 1, 0)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]][:3] == ["Civilité (Mme ou M.)", "Prénom du responsable", "Nom du responsable"]


def test_preview_lists_each_line_errors_in_french_and_writes_nothing(town):
    bad = "\n".join([
        HEADER,
        ";Jean;;jean@example.org;;;1476;;;;;;;",  # no last name; postal code of 4 digits is padded (01476)
        "Mme;Anne;Petit;pas-une-adresse;;;ABCDE;;Lou;;31/02/2019;F;CE7;",
        "Mme;Inès;Roux;deja.pris@example.org;;;;;;;;;;",
        "M.;Paul;Agent;agent@mairie.fr;;;;;;;;;;",
        "Mme;Julie;Morel;julie@example.org;;;;;Tom;;01/01/2019;X;CP;",
    ])
    preview = _preview(town, bad)
    errors = {x.line: x.errors for x in preview.lines}
    assert errors[2] == "Nom du responsable manquant"
    assert "E-mail invalide : pas-une-adresse" in errors[3] and "Code postal invalide : ABCDE (5 chiffres)" in errors[3]
    assert "Classe inconnue : CE7 (attendu : TPS, PS" in errors[3] and "Date de naissance" in errors[3]
    assert errors[4] == "E-mail déjà utilisé par un autre compte : deja.pris@example.org"
    assert errors[5] == "E-mail déjà utilisé par un autre compte : agent@mairie.fr"
    assert errors[6] == "Sexe de l'enfant manquant ou inconnu (F ou M)"
    assert preview.error_lines == 5 and [x.action for x in preview.lines] == ["Erreur"] * 5
    before = _count(Household)
    with pytest.raises(InvalidInput, match="5 ligne\\(s\\) en erreur .* Rien n'a été importé"):
        _import(town, bad)
    assert _count(Household) == before


def test_import_then_import_again_updates_and_never_duplicates(town):
    result = _import(town, GOOD)
    assert (result.new_families, result.updated_families, result.new_children, result.invited) == (2, 0, 2, 0)
    people, dossiers = _count(Person), _count(Enrollment, Enrollment.organization_id == town["org"])
    assert dossiers == 4  # a draft dossier for each guardian and child, as for a family created by hand
    with db.read() as s:
        leo = s.exec(select(Person).where(Person.first_name == "Léo")).one()
        martin = s.get(Household, leo.household_id)
    assert (leo.last_name, leo.school_level, leo.allergies, martin.postal_code) == ("MARTIN", "CE1", "Arachide", "14760")
    preview = _preview(town, GOOD.replace("CE1;Arachide", "CE2;Arachide, lait"))
    assert (preview.new_families, preview.updated_families, preview.new_children, preview.updated_children) == (
        0, 2, 0, 2)
    again = _import(town, GOOD.replace("CE1;Arachide", "CE2;Arachide, lait"))
    assert (again.new_families, again.updated_families, again.new_children, again.updated_children) == (0, 2, 0, 2)
    assert (_count(Person), _count(Enrollment, Enrollment.organization_id == town["org"])) == (people, dossiers)
    with db.read() as s:
        leo = s.exec(select(Person).where(Person.first_name == "Léo")).one()
    assert (leo.school_level, leo.allergies) == ("CE2", "Arachide, lait")


def test_invitations_only_on_request_and_once(town):
    _import(town, GOOD)
    assert _count(OutboxEmail) == 0 and _count(User, User.email == "karim.benali@example.org") == 0
    result = _import(town, GOOD, invite=True)
    assert result.invited == 2
    with db.read() as s:
        subjects = s.exec(select(OutboxEmail.subject).where(OutboxEmail.to_address == "karim.benali@example.org")).all()
    assert subjects == ["Votre accès au portail familles Cityviz Enfance"]
    assert _import(town, GOOD, invite=True).invited == 0  # an account already: no second invitation


def test_an_excel_file_with_dates_and_numbers_in_cells(town):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(import_files.COLUMNS.values()))
    sheet.append(["Mme", "Nora", "Lefèvre", "nora@example.org", "0612345678", "2 rue Haute", 1000, "Bourg", "Lina",
                  None, datetime(2017, 3, 9), "F", "ce2", None])
    out = io.BytesIO()
    workbook.save(out)
    result = _import(town, out.getvalue(), filename="familles.xlsx")
    assert (result.new_families, result.new_children) == (1, 1)
    with db.read() as s:
        lina = s.exec(select(Person).where(Person.first_name == "Lina")).one()
        home = s.get(Household, lina.household_id)
    assert (str(lina.birth_date), lina.school_level, lina.last_name, home.postal_code) == (
        "2017-03-09", "CE2", "LEFÈVRE", "01000")


def test_a_file_that_is_not_a_families_file(town):
    with pytest.raises(InvalidInput, match="Colonnes manquantes : « Prénom du responsable »"):
        _preview(town, "Nom;Adresse\nDupont;ici")
    with pytest.raises(InvalidInput, match="Ce fichier Excel ne peut pas être lu"):
        _preview(town, b"PK\x03\x04 pas vraiment un classeur", "x.xlsx")


def test_only_roles_in_charge_of_families_import(town):
    with db.transaction() as s:
        org = s.get(factories.Organization, town["org"])
        animateur = factories.actor(s, factories.make_staff(s, org, role="animateur"))
    with db.read() as s, pytest.raises(AccessDenied):
        family_import.preview_import(s, actor=animateur, organization_id=town["org"], filename="f.csv",
                                     data=GOOD.encode())


def test_imported_families_are_found_by_the_staff_search_accents_folded(town):
    from cityviz.services.households import families

    _import(town, "\n".join([HEADER, "Mme;Inès;Lefèvre;ines.lefevre@example.org;;;;;Léo;;02/03/2019;M;CP;"]))
    with db.read() as s:
        rows, total = families.list_families(s, actor=town["agent"], organization_id=town["org"], search="lefevre")
    assert total == 1 and "LEFÈVRE" in rows[0].name
