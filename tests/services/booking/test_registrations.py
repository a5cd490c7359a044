"""Inscription aux activités: what is offered, at which price, who may join,
staff validation, the maximum of enrolled children and its waiting list."""

from datetime import date

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Activity, ActivityRegistration, AuditEntry, FamilyQuotient, Household, OutboxEmail, Person
from cityviz.services.booking import bookings, registrations
from cityviz.services.booking.bookings import BookingRefused
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
# Now: Monday 14/09/2026 10:00 (Paris). Léo, born 04/05/2018, is 8 and in CE1.


def _plain(text: str) -> str:
    """Babel separates the euro sign with a (narrow) no-break space."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        staff = factories.actor(s, factories.make_staff(s, org))
        household, _g, user = factories.make_household(s, email="martin@example.org", org=org)
        child = factories.make_child(s, household, org=org)
        return {"org": org, "staff": staff, "parent": factories.actor(s, user), "household": household.id,
                "child": child.id}


def _activity(town, **overrides):
    with db.transaction() as s:
        return factories.make_activity(s, town["org"], town["staff"], **overrides).id


def _family(town, name):
    """Another household of the town, with one child whose dossier is validated."""
    with db.transaction() as s:
        household, _g, user = factories.make_household(s, last_name=name, email=f"{name.lower()}@example.org",
                                                       org=town["org"])
        child = factories.make_child(s, household, first_name=name.capitalize(), org=town["org"])
        return factories.actor(s, user), child.id


def _offered(town, child=None):
    with db.read() as s:
        return registrations.offered_activities(s, actor=town["parent"], child_id=child or town["child"])


def _register(actor, child, activity):
    with db.transaction() as s:
        return registrations.register_child(s, actor=actor, activity_id=activity, child_id=child)


def _decide(town, registration_id, accept=True, reason=""):
    with db.transaction() as s:
        return registrations.decide_registration(s, actor=town["staff"], registration_id=registration_id,
                                                 accept=accept, reason=reason)


def _registration(activity, child):
    with db.read() as s:
        return s.exec(select(ActivityRegistration).where(ActivityRegistration.activity_id == activity,
                                                         ActivityRegistration.child_id == child)).one()


def _waiting(activity):
    with db.read() as s:
        return s.exec(select(ActivityRegistration.child_id, ActivityRegistration.waiting_position).where(
            ActivityRegistration.activity_id == activity, ActivityRegistration.status == "waiting")
            .order_by(ActivityRegistration.waiting_position)).all()


def _mails(address):
    with db.read() as s:
        return list(s.exec(select(OutboxEmail).where(OutboxEmail.to_address == address)
                           .order_by(OutboxEmail.id)).all())


# --- What is offered -------------------------------------------------------------------------

def test_only_open_activities_of_organizations_where_the_dossier_is_validated(town):
    _activity(town, name="Restauration scolaire")
    _activity(town, name="Garderie fermée", is_open=False)
    _activity(town, name="Été 2026", start_date=date(2026, 7, 6), end_date=date(2026, 8, 28))
    with db.transaction() as s:
        elsewhere = factories.make_organization(s, name="Caen")
        factories.make_activity(s, elsewhere, name="Piscine")
        pending = factories.make_organization(s, name="Verson")
        factories.make_activity(s, pending, name="Judo")
        factories.enroll(s, s.get(Person, town["child"]), pending, status="submitted")
    assert [(a.organization, a.name) for a in _offered(town)] == [("Bretteville-sur-Odon", "Restauration scolaire")]


def test_a_child_without_validated_dossier_is_offered_nothing_and_cannot_register(town):
    activity = _activity(town)
    with db.transaction() as s:
        zoe = factories.make_child(s, s.get(Household, town["household"]), first_name="Zoé", org=town["org"],
                                   status="submitted").id
    assert _offered(town, zoe) == []
    with pytest.raises(Conflict, match="doit d'abord être validé par l'organisation"):
        _register(town["parent"], zoe, activity)


def test_offer_describes_dates_days_price_and_rules(town):
    _activity(town, enrolment_mode="validation")
    [offer] = _offered(town)
    assert offer.dates == "du 14/09/2026 au 18/12/2026"  # from today on
    assert offer.weekdays == "lun., mar., jeu., ven."
    assert _plain(offer.price) == "3,60 € par repas"  # no QF on file: the highest band
    assert offer.rules == ("Réservation au plus tard 2 jours ouvrés avant, 12h00. "
                           "Annulation au plus tard 2 jours ouvrés avant, 12h00.")
    assert offer.needs_validation and (offer.status, offer.status_label, offer.ineligible) == ("", "", "")


@pytest.mark.parametrize(("quotient", "price"), [(420, "1,20 €"), (500, "1,20 €"), (501, "2,50 €"),
                                                 (900, "2,50 €"), (1400, "3,60 €")])
def test_price_follows_the_household_qf_band(town, quotient, price):
    _activity(town)
    with db.transaction() as s:
        s.add(FamilyQuotient(household_id=town["household"], value=quotient, valid_from=date(2026, 1, 1),
                             created_at=clock.now()))
    assert _plain(_offered(town)[0].price) == f"{price} par repas"


def test_price_uses_the_qf_in_force_today(town):
    _activity(town)
    with db.transaction() as s:
        for value, valid_from in ((1400, date(2025, 9, 1)), (450, date(2026, 9, 1)), (800, date(2026, 10, 1))):
            s.add(FamilyQuotient(household_id=town["household"], value=value, valid_from=valid_from,
                                 created_at=clock.now()))
    assert _plain(_offered(town)[0].price) == "1,20 € par repas"


# --- Eligibility --------------------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "message"), [
    ({"min_age": 9}, "Activité à partir de 9 ans."),
    ({"max_age": 7}, "Activité jusqu'à 7 ans."),
    ({"eligible_levels": ["CP", "CM2"]}, "Activité réservée aux classes : CP, CM2."),
])
def test_ineligible_child_is_told_why_and_refused(town, rule, message):
    activity = _activity(town, **rule)
    assert _offered(town)[0].ineligible == message
    with pytest.raises(InvalidInput) as refused:
        _register(town["parent"], town["child"], activity)
    assert refused.value.message == message
    with db.read() as s:
        assert s.exec(select(ActivityRegistration)).all() == []


def test_eligible_age_and_level_are_accepted(town):
    activity = _activity(town, min_age=6, max_age=8, eligible_levels=["CE1", "CE2"])
    assert _offered(town)[0].ineligible == ""
    assert _register(town["parent"], town["child"], activity) == "validated"


# --- Automatic enrolment ------------------------------------------------------------------------

def test_automatic_enrolment_lets_the_family_book_at_once(town):
    activity = _activity(town)
    assert _register(town["parent"], town["child"], activity) == "validated"
    offer = _offered(town)[0]
    assert (offer.status, offer.status_label) == ("validated", "Inscrit")
    with db.transaction() as s:
        thursday = factories.session_on(s, s.get(Activity, activity), date(2026, 9, 17)).id
        assert bookings.book_session(s, actor=town["parent"], child_id=town["child"],
                                     session_id=thursday).status == "booked"
    with pytest.raises(Conflict, match="Léo est déjà inscrit\\(e\\) : inscrit"):
        _register(town["parent"], town["child"], activity)


def test_closed_or_finished_activity_cannot_be_joined(town):
    closed = _activity(town, name="Garderie", is_open=False)
    finished = _activity(town, name="Été", start_date=date(2026, 7, 6), end_date=date(2026, 8, 28))
    for activity in (closed, finished, 999999):
        with pytest.raises(NotFound, match="Activité introuvable ou fermée aux inscriptions"):
            _register(town["parent"], town["child"], activity)


# --- Validation by staff ------------------------------------------------------------------------

def test_validation_mode_waits_for_staff_then_the_family_is_told(town):
    activity = _activity(town, enrolment_mode="validation")
    assert _register(town["parent"], town["child"], activity) == "pending"
    assert _offered(town)[0].status_label == "En attente de validation"
    with db.transaction() as s:
        thursday = factories.session_on(s, s.get(Activity, activity), date(2026, 9, 17)).id
    with pytest.raises(BookingRefused, match="en attente de validation"), db.transaction() as s:
        bookings.book_session(s, actor=town["parent"], child_id=town["child"], session_id=thursday)
    with db.read() as s:
        rows, total = registrations.list_registrations(s, actor=town["staff"], organization_id=town["org"].id)
    assert total == 1
    assert [(r.child, r.level, r.activity, r.requested, r.status_label) for r in rows] == [
        ("MARTIN Léo", "CE1", "Restauration scolaire", "14/09/2026", "En attente de validation")]
    assert _decide(town, rows[0].id) == "validated"
    [mail] = _mails("martin@example.org")
    assert mail.subject == "Inscription à « Restauration scolaire » – Léo"
    assert "l'inscription de Léo à « Restauration scolaire » est validée" in mail.body
    with db.transaction() as s:
        assert bookings.book_session(s, actor=town["parent"], child_id=town["child"],
                                     session_id=thursday).status == "booked"


def test_refusal_needs_a_reason_which_the_family_reads(town):
    activity = _activity(town, enrolment_mode="validation")
    _register(town["parent"], town["child"], activity)
    registration = _registration(activity, town["child"]).id
    with pytest.raises(InvalidInput, match="Indiquez le motif du refus : la famille le lira."):
        _decide(town, registration, accept=False, reason="   ")
    assert _registration(activity, town["child"]).status == "pending"
    assert _mails("martin@example.org") == []
    assert _decide(town, registration, accept=False, reason="Réservé aux enfants scolarisés à Bretteville") \
        == "refused"
    refused = _registration(activity, town["child"])
    assert (refused.status, refused.refusal_reason) == ("refused", "Réservé aux enfants scolarisés à Bretteville")
    [mail] = _mails("martin@example.org")
    assert "n'a pas été acceptée. Motif : Réservé aux enfants scolarisés à Bretteville" in mail.body
    with pytest.raises(Conflict, match="Cette inscription a déjà été traitée."):
        _decide(town, registration)
    assert _offered(town)[0].status_label == "Refusée"
    assert _register(town["parent"], town["child"], activity) == "pending"  # the family may ask again


def test_staff_decisions_are_audited(town):
    activity = _activity(town, enrolment_mode="validation")
    other_parent, other_child = _family(town, "DURAND")
    _register(town["parent"], town["child"], activity)
    _register(other_parent, other_child, activity)
    _decide(town, _registration(activity, town["child"]).id)
    _decide(town, _registration(activity, other_child).id, accept=False, reason="Dossier incomplet")
    with db.read() as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.object_type == "activity_registration")
                         .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.organization_id) for e in entries] == [
        ("registration.validated", town["staff"].user_id, town["org"].id),
        ("registration.refused", town["staff"].user_id, town["org"].id)]
    assert "Dossier incomplet" in entries[1].details


# --- Maximum of enrolled children and its waiting list -----------------------------------------

def test_full_activity_queues_children_by_order_of_request(town):
    activity = _activity(town, max_enrolled=2)
    families = [(town["parent"], town["child"])] + [_family(town, n) for n in ("DURAND", "PETIT", "LEROY", "MOREAU")]
    assert [_register(p, c, activity) for p, c in families] == ["validated", "validated", "waiting", "waiting",
                                                                 "waiting"]
    assert _waiting(activity) == [(families[2][1], 1), (families[3][1], 2), (families[4][1], 3)]
    with db.read() as s:
        rows, total = registrations.list_registrations(s, actor=town["staff"], organization_id=town["org"].id,
                                                       status="waiting")
    assert total == 3 and [(r.child, r.position, r.status_label) for r in rows] == [
        ("MARTIN Petit", 1, "Liste d'attente"), ("MARTIN Leroy", 2, "Liste d'attente"),
        ("MARTIN Moreau", 3, "Liste d'attente")]


def test_accepting_from_the_waiting_list_closes_the_gap(town):
    activity = _activity(town, max_enrolled=1)
    families = [(town["parent"], town["child"])] + [_family(town, n) for n in ("DURAND", "PETIT", "LEROY")]
    for parent, child in families:
        _register(parent, child, activity)
    # Still full: accepting keeps the child in line, at the same place.
    assert _decide(town, _registration(activity, families[2][1]).id) == "waiting"
    assert _waiting(activity) == [(families[1][1], 1), (families[2][1], 2), (families[3][1], 3)]
    with db.transaction() as s:
        s.get(Activity, activity).max_enrolled = 2
    assert _decide(town, _registration(activity, families[2][1]).id) == "validated"
    assert _waiting(activity) == [(families[1][1], 1), (families[3][1], 2)]
    assert "est validée" in _mails("petit@example.org")[-1].body
    _decide(town, _registration(activity, families[1][1]).id, accept=False, reason="Hors secteur")
    assert _waiting(activity) == [(families[3][1], 1)]
    assert _register(*_family(town, "MOREAU"), activity) == "waiting"
    assert [position for _c, position in _waiting(activity)] == [1, 2]


def test_validation_mode_with_a_maximum_puts_accepted_children_on_the_waiting_list(town):
    activity = _activity(town, enrolment_mode="validation", max_enrolled=1)
    families = [(town["parent"], town["child"]), _family(town, "DURAND")]
    for parent, child in families:
        assert _register(parent, child, activity) == "pending"
    assert _decide(town, _registration(activity, families[0][1]).id) == "validated"
    assert _decide(town, _registration(activity, families[1][1]).id) == "waiting"
    assert _waiting(activity) == [(families[1][1], 1)]
    mail = _mails("durand@example.org")[-1]
    assert "est complète : Durand est sur la liste d'attente (n° 1)" in mail.body


def test_accepting_when_full_queues_by_order_of_request_not_of_decision(frozen):
    """Validation mode, one place: the staff accept the later request first — it still waits behind."""
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org))
        camp = factories.make_activity(s, org, staff, name="Mercredis", kind="leisure", unit="day", weekdays=[2],
                                       enrolment_mode="validation", max_enrolled=1)
        requests = []
        for n in range(3):
            household, _g, user = factories.make_household(s, last_name=f"F{n}", email=f"q{n}@example.org",
                                                           org=org)
            child = factories.make_child(s, household, org=org)
            requests.append((factories.actor(s, user), child.id))
    ids = []
    for n, (parent, child) in enumerate(requests):
        frozen.shift(60)
        with db.transaction() as s:
            registrations.register_child(s, actor=parent, activity_id=camp.id, child_id=child)
            ids.append(s.exec(select(ActivityRegistration.id).where(ActivityRegistration.child_id == child)).one())
    with db.transaction() as s:
        assert registrations.decide_registration(s, actor=staff, registration_id=ids[0], accept=True) == "validated"
    with db.transaction() as s:  # the third request first…
        assert registrations.decide_registration(s, actor=staff, registration_id=ids[2], accept=True) == "waiting"
    with db.transaction() as s:  # …then the second, which was asked earlier
        assert registrations.decide_registration(s, actor=staff, registration_id=ids[1], accept=True) == "waiting"
    with db.read() as s:
        positions = {r.id: r.waiting_position for r in s.exec(select(ActivityRegistration)).all()}
    assert (positions[ids[1]], positions[ids[2]]) == (1, 2)
