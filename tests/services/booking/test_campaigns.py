"""« Campagne d'inscription »: staff open 2027-2028 in October 2026, the family re-enrols (a part
corrected, documents sent again), staff see the changes and validate; children move up a level,
the one going to collège leaves the périscolaire; next year's activities are copied; nothing of
the current year changes."""

import io
import json
import zipfile
from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import (
    Activity,
    ActivityRegistration,
    Attendance,
    Booking,
    CampaignDocument,
    CampaignDossier,
    ChildAuthorization,
    Document,
    Enrollment,
    Invoice,
    InvoiceLine,
    OutboxEmail,
    Person,
    PriceBand,
)
from cityviz.services.billing import periods
from cityviz.services.booking import bookings, campaign_review, campaigns, rules
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from cityviz.services.households import authorizations, files, onboarding, privacy, reenrolment
from tests import factories
from tests.services.access import assert_refused_alike

pytestmark = pytest.mark.usefixtures("database", "frozen")
OCTOBER = datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS)


def _accepted(s, requirement, household, person=None, valid_until=None):
    s.add(Document(requirement_id=requirement.id, household_id=household.id, person_id=person.id if person else None,
                   storage_key=files.store_generated(factories.pdf_bytes("on file")), original_name="x.pdf",
                   content_type="application/pdf", size_bytes=10, status="accepted", uploaded_at=clock.now(),
                   valid_until=valid_until))


@pytest.fixture
def town(frozen):
    with db.transaction() as s:
        org = factories.make_organization(s, name="Démostars")
        staff = {role: factories.actor(s, factories.make_staff(s, org, role=role, email=f"{role}@example.org"))
                 for role in ("admin", "agent", "animateur", "regisseur")}
        canteen = factories.make_activity(s, org, staff["agent"], booking=rules.NoticeRule("none"),
                                          cancel=rules.NoticeRule("none"))
        household, guardian, user = factories.make_household(s, email="parent@example.org", org=org)
        guardian.phone_mobile, guardian.civility = "+33611223344", "Mme"
        lea = factories.make_child(s, household, "Léa", org=org)  # CE1
        tom = factories.make_child(s, household, "Tom", birth_date=date(2015, 2, 1), org=org)
        tom.school_level = "CM2"
        for child in (lea, tom):
            factories.register(s, canteen, child)
        insurance = factories.make_requirement(s, org, "Assurance", "child")
        insurance.validity = "school_year"
        address = factories.make_requirement(s, org, "Justificatif de domicile", "household")
        address.validity, address.validity_months = "months", 3
        booklet = factories.make_requirement(s, org, "Livret de famille", "household")
        for child in (lea, tom):
            _accepted(s, insurance, household, child, date(2027, 8, 31))
        _accepted(s, address, household, valid_until=date(2026, 12, 13))
        _accepted(s, booklet, household)
        other, _g, other_user = factories.make_household(s, last_name="DURAND", email="durand@example.org", org=org)
        factories.make_child(s, other, "Zoé", org=org)
        elsewhere = factories.make_organization(s, name="Ailleurs", postal_code="14000")
        w = dict(org=org.id, staff=staff, parent=factories.actor(s, user), other=factories.actor(s, other_user),
                 household=household.id, guardian=guardian.id, lea=lea.id, tom=tom.id, canteen=canteen.id,
                 insurance=insurance.id, address=address.id,
                 foreign=factories.actor(s, factories.make_staff(s, elsewhere, role="admin")))
        session = factories.session_on(s, canteen, date(2026, 9, 17))
    with db.transaction() as s:
        bookings.book_session(s, actor=w["parent"], child_id=lea.id, session_id=session.id)
        s.add(Attendance(session_id=session.id, child_id=lea.id, household_id=household.id, status="present",
                         marked_at=clock.now()))
    frozen.move_to(OCTOBER)
    periods.issue_all(db.transaction, actor=staff["admin"], organization_id=org.id, month="2026-09")
    return w


def _this_year(s) -> dict:
    """Everything of the current year a campaign must leave as it is."""
    def rows(model):
        return sorted((r.model_dump() for r in s.exec(select(model)).all()), key=lambda r: r["id"])
    current = [r for r in rows(Activity) if r["start_date"] < date(2027, 8, 1)]
    ids = {r["id"] for r in current}
    return {m.__name__: rows(m) for m in (Booking, Attendance, Invoice, InvoiceLine, Enrollment)} | {
        "Activity": current, "ActivityRegistration": [r for r in rows(ActivityRegistration) if r["activity_id"] in ids]}


def _open(w, actor=None):
    with db.transaction() as s:
        return campaigns.open_campaign(s, actor=actor or w["staff"]["agent"], organization_id=w["org"],
                                       school_year=2027, opens_on=date(2026, 10, 5), closes_on=date(2027, 6, 30))


def _dossier_id(w, household="household"):
    with db.read() as s:
        return s.exec(select(CampaignDossier.id).where(CampaignDossier.household_id == w[household])).one()


def _fill(w, dossier_id, phone="+33699887766"):
    parent = w["parent"]
    with db.transaction() as s:
        fields = {f.key: f.value for f in reenrolment.part_fields(s, actor=parent, dossier_id=dossier_id,
                                                                  part="contacts")}
        fields[f"g{w['guardian']}.phone_mobile"] = phone
        reenrolment.confirm_part(s, actor=parent, dossier_id=dossier_id, part="contacts", values=fields)
    for part in ("children", "health", "authorizations"):
        with db.transaction() as s:
            values = {f.key: f.value for f in reenrolment.part_fields(s, actor=parent, dossier_id=dossier_id,
                                                                      part=part)}
            if part == "health":
                values[f"c{w['lea']}.diet"] = "vegetarian"
            if part == "authorizations":
                values.update({f"a{w['lea']}.image": "1", f"a{w['lea']}.emergency_care": "1"})
            reenrolment.confirm_part(s, actor=parent, dossier_id=dossier_id, part=part, values=values)
    with db.transaction() as s:
        reenrolment.upload_campaign_document(s, actor=parent, dossier_id=dossier_id, requirement_id=w["insurance"],
                                             person_id=w["lea"], filename="assurance-2027.pdf",
                                             data=factories.pdf_bytes("RC 2027"))
        reenrolment.upload_campaign_document(s, actor=parent, dossier_id=dossier_id, requirement_id=w["address"],
                                             person_id=None, filename="facture.pdf", data=factories.pdf_bytes("EDF"))
        reenrolment.confirm_part(s, actor=parent, dossier_id=dossier_id, part="documents", values={})


def test_opening_prefills_each_family_with_levels_moved_up_and_the_documents_to_renew(town):
    _open(town)
    with db.read() as s:
        overview = campaigns.campaign_overview(s, actor=town["staff"]["agent"], organization_id=town["org"])
        assert (overview.year, overview.total, overview.counts["not_started"]) == ("2027-2028", 2, 2)
        cards = onboarding.next_actions(s, actor=town["parent"])
        assert cards[0].title == "Réinscription pour l'année 2027-2028"
        view = reenrolment.reenrolment(s, actor=town["parent"], dossier_id=_dossier_id(town))
        levels = {f.key: f.value for f in reenrolment.part_fields(s, actor=town["parent"], dossier_id=view.id,
                                                                  part="children") if f.key.endswith(".level")}
    assert levels == {f"c{town['lea']}.level": "CE2", f"c{town['tom']}.level": "6e"}
    assert "Tom MARTIN : CM2 → 6e (collège) — entre au collège : quitte le périscolaire" in view.children
    # Insurance (the school year) for Léa only — Tom leaves; the proof of address ends before
    # September 2027; the family booklet (no limit) is kept.
    assert sorted((d.name, d.owner) for d in view.documents) == [("Assurance", "Léa"),
                                                                  ("Justificatif de domicile", "Foyer")]
    assert not view.can_send


def test_a_family_re_enrols_staff_validate_and_the_current_year_is_untouched(town):
    with db.read() as s:
        before = _this_year(s)
    _open(town)
    dossier_id = _dossier_id(town)
    with pytest.raises(InvalidInput):  # nothing confirmed yet
        with db.transaction() as s:
            reenrolment.send_reenrolment(s, actor=town["parent"], dossier_id=dossier_id)
    _fill(town, dossier_id)
    with db.transaction() as s:
        reenrolment.send_reenrolment(s, actor=town["parent"], dossier_id=dossier_id)
    agent = town["staff"]["agent"]
    with db.transaction() as s:
        assert campaigns.copy_activities(s, actor=agent, organization_id=town["org"], activity_ids=[town["canteen"]],
                                         percent=2) == 1
    with db.read() as s:
        review = campaign_review.campaign_dossier_review(s, actor=agent, dossier_id=dossier_id)
        rows, total = campaigns.list_campaign_dossiers(s, actor=agent, organization_id=town["org"], status="sent")
    assert (total, rows[0].status_label, review.status_label) == (1, "Envoyé", "Envoyé")
    changes = {(c.part, c.field): (c.before, c.after) for c in review.changes}
    assert changes[("Responsables et adresse", "Camille MARTIN — Téléphone portable")] == ("+33611223344",
                                                                                            "+33699887766")
    assert changes[("Santé et régime", "Léa — Régime à la cantine")] == ("Aucun", "Végétarien")
    assert changes[("Autorisations", "Léa — Droit à l'image")] == ("Non", "Oui")
    assert [d.file_name for d in review.documents] == ["assurance-2027.pdf", "facture.pdf"]

    with db.transaction() as s:
        campaign_review.validate_reenrolment(s, actor=agent, dossier_id=dossier_id)
    with db.read() as s:
        assert _this_year(s) == before
        lea, tom = s.get(Person, town["lea"]), s.get(Person, town["tom"])
        assert (lea.school_level, lea.diet, s.get(Person, town["guardian"]).phone_mobile) == ("CE1", "vegetarian",
                                                                                              "+33699887766")
        signed = s.exec(select(ChildAuthorization).where(ChildAuthorization.school_year == 2027)).all()
        assert [(a.child_id, a.image, a.signed_by_name) for a in signed] == [(lea.id, True, "Camille MARTIN")]
        copy = s.exec(select(Activity).where(Activity.start_date == date(2027, 9, 1))).one()
        assert (copy.end_date, copy.name) == (date(2027, 12, 18), "Restauration scolaire")
        assert sorted(b.price_cents for b in s.exec(select(PriceBand).where(PriceBand.activity_id == copy.id))) == [
            122, 255, 367]
        registered = s.exec(select(ActivityRegistration.child_id).where(ActivityRegistration.activity_id == copy.id))
        assert list(registered) == [lea.id]  # Tom goes to collège
        on_file = s.exec(select(Document).where(Document.person_id == lea.id,
                                                Document.superseded_at == None)).one()  # noqa: E711
        assert (on_file.original_name, on_file.status, on_file.valid_until) == ("assurance-2027.pdf", "accepted",
                                                                                date(2028, 8, 31))
        assert tom.school_level == "CM2"
        assert all(e.status == "validated" for e in s.exec(select(Enrollment)))
        assert "reenrolment" not in {a.key for a in onboarding.next_actions(s, actor=town["parent"])}


def test_corrections_send_the_dossier_back_to_the_family(town):
    _open(town)
    dossier_id = _dossier_id(town)
    _fill(town, dossier_id)
    with db.transaction() as s:
        reenrolment.send_reenrolment(s, actor=town["parent"], dossier_id=dossier_id)
    with pytest.raises(InvalidInput), db.transaction() as s:
        campaign_review.ask_corrections(s, actor=town["staff"]["admin"], dossier_id=dossier_id, reason=" ")
    with db.transaction() as s:
        campaign_review.ask_corrections(s, actor=town["staff"]["admin"], dossier_id=dossier_id,
                                        reason="L'attestation d'assurance est illisible.")
    with db.read() as s:
        card = onboarding.next_actions(s, actor=town["parent"])[0]
        assert (card.key, card.text) == ("reenrolment", "À corriger : L'attestation d'assurance est illisible.")
        assert reenrolment.reenrolment(s, actor=town["parent"], dossier_id=dossier_id).status_label == "En cours"
        assert s.exec(select(OutboxEmail).where(OutboxEmail.subject == "Réinscription 2027-2028 : corrections "
                                                                       "demandées")).one().to_address == "parent@example.org"
    with pytest.raises(Conflict), db.transaction() as s:
        campaign_review.validate_reenrolment(s, actor=town["staff"]["admin"], dossier_id=dossier_id)


def test_reminders_write_one_email_per_family_not_yet_sent(town, settings):
    _open(town)
    dossier_id = _dossier_id(town)
    _fill(town, dossier_id)
    with db.transaction() as s:
        reenrolment.send_reenrolment(s, actor=town["parent"], dossier_id=dossier_id)
    with db.transaction() as s:
        campaigns.request_reminders(s, actor=town["staff"]["agent"], organization_id=town["org"])  # its job runs
    with db.transaction() as s:  # asked again the same day: nobody is e-mailed twice
        assert campaigns.send_reminders(s, campaigns.latest_campaign(s, town["org"]).id) == 0
    with db.read() as s:
        sent = s.exec(select(OutboxEmail).where(OutboxEmail.subject == "Réinscription pour l'année 2027-2028")).all()
        assert [m.to_address for m in sent] == ["durand@example.org"]
        other = s.exec(select(CampaignDossier.id).where(CampaignDossier.household_id != town["household"])).one()
        assert f"/reinscription?id={other}" in sent[0].body
        rows, _total = campaigns.list_campaign_dossiers(s, actor=town["staff"]["agent"], organization_id=town["org"],
                                                        status="not_started")
        assert rows[0].reminded != ""


def test_a_campaign_opens_once_for_next_year_before_the_rentree(town):
    for year, opens, closes in ((2026, date(2026, 10, 5), date(2027, 6, 30)),
                                (2027, date(2027, 6, 30), date(2027, 6, 1)),
                                (2027, date(2026, 10, 5), date(2027, 9, 1))):
        with pytest.raises(InvalidInput), db.transaction() as s:
            campaigns.open_campaign(s, actor=town["staff"]["admin"], organization_id=town["org"], school_year=year,
                                    opens_on=opens, closes_on=closes)
    _open(town)
    with pytest.raises(Conflict):
        _open(town)


def test_a_sent_dossier_cannot_be_changed_and_parts_check_their_values(town):
    _open(town)
    dossier_id = _dossier_id(town)
    with pytest.raises(InvalidInput, match="Classe inconnue"), db.transaction() as s:
        reenrolment.confirm_part(s, actor=town["parent"], dossier_id=dossier_id, part="children",
                                 values={f"c{town['lea']}.level": "Terminale"})
    with pytest.raises(InvalidInput, match="heure"), db.transaction() as s:
        reenrolment.confirm_part(s, actor=town["parent"], dossier_id=dossier_id, part="authorizations",
                                 values={f"a{town['lea']}.leave_alone": "1"})
    _fill(town, dossier_id)
    with db.transaction() as s:
        reenrolment.send_reenrolment(s, actor=town["parent"], dossier_id=dossier_id)
    with pytest.raises(Conflict), db.transaction() as s:
        reenrolment.confirm_part(s, actor=town["parent"], dossier_id=dossier_id, part="contacts", values={})


def test_authorizations_of_the_new_year_are_asked_again(town):
    with db.transaction() as s:
        authorizations.sign_authorizations(s, actor=town["parent"], child_id=town["lea"], image=True,
                                           leave_alone=False, leave_alone_from="", pickups=[],
                                           emergency_care=True, transport=True)
    _open(town)
    with db.read() as s:
        values = {f.key: f.value for f in reenrolment.part_fields(s, actor=town["parent"],
                                                                  dossier_id=_dossier_id(town),
                                                                  part="authorizations")}
        assert (values[f"a{town['lea']}.image"], values[f"a{town['lea']}.transport"]) == ("1", "1")
        assert s.exec(select(ChildAuthorization.school_year)).all() == [2026]  # 2027 only once validated


# --- Who may do what ---------------------------------------------------------------------------

def test_another_household_never_reaches_a_re_enrolment(town):
    _open(town)
    dossier_id = _dossier_id(town)
    _fill(town, dossier_id)
    with db.read() as s:
        document_id = s.exec(select(CampaignDocument.id)).first()
    other = town["other"]
    calls = [lambda s: reenrolment.reenrolment(s, actor=other, dossier_id=dossier_id),
             lambda s: reenrolment.part_fields(s, actor=other, dossier_id=dossier_id, part="contacts"),
             lambda s: reenrolment.confirm_part(s, actor=other, dossier_id=dossier_id, part="contacts", values={}),
             lambda s: reenrolment.send_reenrolment(s, actor=other, dossier_id=dossier_id),
             lambda s: reenrolment.upload_campaign_document(s, actor=other, dossier_id=dossier_id,
                                                            requirement_id=town["insurance"], person_id=town["lea"],
                                                            filename="x.pdf", data=factories.pdf_bytes()),
             lambda s: reenrolment.campaign_document_content(s, actor=other, document_id=document_id)]
    for call in calls:
        with pytest.raises(NotFound), db.transaction() as s:
            call(s)
    with db.read() as s:
        assert reenrolment.campaign_document_content(s, actor=town["parent"], document_id=document_id).filename \
            == "assurance-2027.pdf"
        assert reenrolment.campaign_document_content(s, actor=town["staff"]["agent"],
                                                     document_id=document_id).filename == "assurance-2027.pdf"


def test_another_towns_staff_are_refused_as_if_the_dossier_did_not_exist(town):
    _open(town)
    dossier_id = _dossier_id(town)
    _fill(town, dossier_id)
    with db.transaction() as s:
        reenrolment.send_reenrolment(s, actor=town["parent"], dossier_id=dossier_id)
    foreign = town["foreign"]
    for call in (lambda s, i: campaign_review.campaign_dossier_review(s, actor=foreign, dossier_id=i),
                 lambda s, i: campaign_review.validate_reenrolment(s, actor=foreign, dossier_id=i),
                 lambda s, i: campaign_review.ask_corrections(s, actor=foreign, dossier_id=i, reason="Non")):
        assert assert_refused_alike(call, dossier_id) == "Réinscription introuvable dans votre organisation."
    with db.read() as s:
        document_id = s.exec(select(CampaignDocument.id)).first()
        with pytest.raises(NotFound):
            reenrolment.campaign_document_content(s, actor=foreign, document_id=document_id)
    for call in (lambda s: campaigns.campaign_overview(s, actor=foreign, organization_id=town["org"]),
                 lambda s: campaigns.list_campaign_dossiers(s, actor=foreign, organization_id=town["org"]),
                 lambda s: campaigns.request_reminders(s, actor=foreign, organization_id=town["org"]),
                 lambda s: campaigns.copy_activities(s, actor=foreign, organization_id=town["org"],
                                                     activity_ids=[town["canteen"]]),
                 lambda s: campaigns.open_campaign(s, actor=foreign, organization_id=town["org"], school_year=2027,
                                                   opens_on=date(2026, 10, 5), closes_on=date(2027, 6, 30))):
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)
    with db.read() as s:
        assert s.get(CampaignDossier, dossier_id).status == "sent"


@pytest.mark.parametrize("role", ["animateur", "regisseur"])
def test_animateur_and_regisseur_do_not_run_the_campaign(town, role):
    _open(town)
    dossier_id = _dossier_id(town)
    actor = town["staff"][role]
    document_id = 0
    for call in (lambda s: campaigns.open_campaign(s, actor=actor, organization_id=town["org"], school_year=2027,
                                                   opens_on=date(2026, 10, 5), closes_on=date(2027, 6, 30)),
                 lambda s: campaigns.campaign_overview(s, actor=actor, organization_id=town["org"]),
                 lambda s: campaigns.list_campaign_dossiers(s, actor=actor, organization_id=town["org"]),
                 lambda s: campaigns.request_reminders(s, actor=actor, organization_id=town["org"]),
                 lambda s: campaigns.copyable_activities(s, actor=actor, organization_id=town["org"]),
                 lambda s: campaigns.copy_activities(s, actor=actor, organization_id=town["org"],
                                                     activity_ids=[town["canteen"]]),
                 lambda s: campaign_review.campaign_dossier_review(s, actor=actor, dossier_id=dossier_id),
                 lambda s: campaign_review.validate_reenrolment(s, actor=actor, dossier_id=dossier_id),
                 lambda s: reenrolment.campaign_document_content(s, actor=actor, document_id=document_id),
                 lambda s: reenrolment.reenrolment(s, actor=actor, dossier_id=dossier_id)):
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)


def test_renewed_files_stay_on_disk_and_go_with_the_family_s_data(town):
    from cityviz.services.accounts.actor import Actor
    from cityviz.services.operations import anonymisation, maintenance

    _open(town)
    _fill(town, _dossier_id(town))
    with db.read() as s:
        keys = set(s.exec(select(CampaignDocument.storage_key)).all())
    assert len(keys) == 2 and keys <= maintenance.referenced_files()  # not an orphan to clean up
    with db.read() as s:
        archive = zipfile.ZipFile(io.BytesIO(privacy.export_household(s, actor=town["parent"])))
        data = json.loads(archive.read("mes-donnees.json"))
        stranger = zipfile.ZipFile(io.BytesIO(privacy.export_household(s, actor=town["other"])))
    renewed = sorted(n for n in archive.namelist() if n.startswith("reinscription/"))
    assert [n.split("-", 1)[1] for n in renewed] == ["assurance-2027.pdf", "facture.pdf"]
    assert archive.read(renewed[0]) == factories.pdf_bytes("RC 2027")
    assert [d["original_name"] for d in data["campaign_document"]] == ["assurance-2027.pdf", "facture.pdf"]
    assert len(data["campaign_dossier"]) == 1 and "storage_key" not in data["campaign_document"][0]
    assert not [n for n in stranger.namelist() if n.startswith("reinscription/")]
    with db.transaction() as s:
        anonymisation.anonymise_household(s, actor=Actor.system(), household_id=town["household"], reason="request")
    with db.read() as s:
        assert s.exec(select(CampaignDocument)).all() == []
        assert s.exec(select(CampaignDossier.household_id)).all() != [] and town["household"] not in set(
            s.exec(select(CampaignDossier.household_id)).all())


def test_at_the_rentree_the_children_move_up_once(town, frozen):
    _open(town)
    dossier_id = _dossier_id(town)
    _fill(town, dossier_id)
    with db.transaction() as s:
        reenrolment.send_reenrolment(s, actor=town["parent"], dossier_id=dossier_id)
    with db.transaction() as s:
        campaign_review.validate_reenrolment(s, actor=town["staff"]["agent"], dossier_id=dossier_id)
    frozen.move_to(datetime(2027, 8, 31, 23, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        assert campaign_review.apply_new_year(s) == 0  # still 2026-2027
    frozen.move_to(datetime(2027, 9, 1, 2, 30, tzinfo=clock.PARIS))
    with db.transaction() as s:
        assert campaign_review.apply_new_year(s) == 1
    with db.transaction() as s:
        assert campaign_review.apply_new_year(s) == 0
        assert (s.get(Person, town["lea"]).school_level, s.get(Person, town["tom"]).school_level) == ("CE2", "6e")
        assert s.exec(select(Person.school_level).where(Person.first_name == "Zoé")).one() == "CE1"  # not validated
