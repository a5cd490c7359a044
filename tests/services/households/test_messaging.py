"""« Messagerie »: a family writes, staff answer, counters on both sides, e-mails with a link only;
another household, another town's staff and the roles without « messages » never reach a thread
or its files; bad input is refused in French and changes nothing."""

import io
import json
import zipfile

import pytest
from sqlmodel import func, select

from cityviz import db
from cityviz.models import (
    AuditEntry,
    Household,
    Message,
    MessageAttachment,
    MessageThread,
    Organization,
    OutboxEmail,
    Person,
)
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, InvalidInput, NotFound
from cityviz.services.households import files, messaging, messaging_staff, privacy
from cityviz.services.operations import anonymisation
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        other = factories.make_organization(s, name="Démostars-sur-Mer")
        users = {role: factories.make_staff(s, org, role=role, email=f"{role}@mairie.example.org")
                 for role in ("admin", "agent", "animateur", "regisseur")}
        foreign = factories.make_staff(s, other, role="admin")
        household, _g, parent = factories.make_household(s, email="camille@example.org", org=org)
        child = factories.make_child(s, household, org=org)
        neighbour, _g2, stranger = factories.make_household(s, last_name="PETIT", email="nina@example.org", org=org)
        actors = {role: factories.actor(s, user) for role, user in users.items()}
        actors.update(parent=factories.actor(s, parent), stranger=factories.actor(s, stranger),
                      foreign=factories.actor(s, foreign))
        return dict(org=org.id, other=other.id, household=household.id, child=child.id, neighbour=neighbour.id,
                    actors=actors)


def _write(town, **kw):
    values = dict(organization_id=town["org"], subject="Allergie de Léo", body="Bonjour,\nLéo ne mange pas d'œuf.",
                  child_id=town["child"], attachments=[("certificat.pdf", factories.pdf_bytes())])
    with db.transaction() as s:
        return messaging.start_thread(s, actor=town["actors"]["parent"], **{**values, **kw})


def _count(model) -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_a_parent_writes_staff_answer_and_each_side_sees_its_counter(town):
    actors = town["actors"]
    thread_id = _write(town)
    with db.read() as s:
        assert messaging_staff.staff_waiting_count(s, actor=actors["agent"], organization_id=town["org"]) == 1
        assert messaging.family_unread_count(s, actor=actors["parent"]) == 0
        rows, total = messaging_staff.staff_threads(s, actor=actors["agent"], organization_id=town["org"])
        assert total == 1 and rows[0].with_whom == "Famille MARTIN" and rows[0].child == "Léo" and rows[0].unread
        mails = s.exec(select(OutboxEmail).order_by(OutboxEmail.id)).all()
        # The administrator and the agent are told; the mail carries the link, not the family's words.
        assert sorted(m.to_address for m in mails) == ["admin@mairie.example.org", "agent@mairie.example.org"]
        assert all(f"/admin/messagerie/fil?id={thread_id}" in m.body for m in mails)
        assert not any("Allergie" in m.subject + m.body or "œuf" in m.body or "MARTIN" in m.body for m in mails)
    with db.transaction() as s:
        messaging_staff.reply_as_staff(s, actor=actors["agent"], thread_id=thread_id, body="Bien noté, merci.")
    with db.read() as s:
        assert messaging_staff.staff_waiting_count(s, actor=actors["agent"], organization_id=town["org"]) == 0
        assert messaging.family_unread_count(s, actor=actors["parent"]) == 1
        [mail] = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "camille@example.org")).all()
        assert mail.subject == "Nouveau message de Bretteville-sur-Odon"
        assert f"/messagerie/fil?id={thread_id}" in mail.body and "Bien noté" not in mail.body
        assert messaging.household_threads(s, actor=actors["parent"])[0].unread is True
    with db.transaction() as s:
        view = messaging.open_family_thread(s, actor=actors["parent"], thread_id=thread_id)
    assert [(m.from_family, m.body) for m in view.messages] == [
        (True, "Bonjour,\nLéo ne mange pas d'œuf."), (False, "Bien noté, merci.")]
    assert view.messages[0].attachments[0][1] == "certificat.pdf" and view.child == "Léo"
    assert view.messages[0].when == "14/09/2026 à 10:00"
    with db.read() as s:
        assert messaging.family_unread_count(s, actor=actors["parent"]) == 0
        content = messaging.attachment_content(s, actor=actors["agent"], attachment_id=int(view.messages[0].attachments[0][0]))
        assert content.content_type == "application/pdf" and content.data.startswith(b"%PDF")


def test_the_family_answers_again_and_staff_may_mark_a_thread_handled(town):
    actors = town["actors"]
    thread_id = _write(town, attachments=[])
    with db.transaction() as s:
        messaging_staff.reply_as_staff(s, actor=actors["admin"], thread_id=thread_id, body="Pouvez-vous préciser ?")
    with db.transaction() as s:
        messaging.reply_as_family(s, actor=actors["parent"], thread_id=thread_id, body="Merci !",
                                  attachments=[("photo.png", factories.png_bytes())])
    with db.read() as s:
        assert messaging_staff.staff_waiting_count(s, actor=actors["admin"], organization_id=town["org"]) == 1
    with db.transaction() as s:
        messaging_staff.mark_handled(s, actor=actors["agent"], thread_id=thread_id)
    with db.read() as s:
        assert messaging_staff.staff_waiting_count(s, actor=actors["admin"], organization_id=town["org"]) == 0
        rows, total = messaging_staff.staff_threads(s, actor=actors["admin"], organization_id=town["org"], status="all")
        assert total == 1 and not rows[0].unread
        view, family = messaging_staff.staff_thread(s, actor=actors["admin"], thread_id=thread_id)
        assert family == "Famille MARTIN" and len(view.messages) == 3
        assert view.messages[2].attachments[0][1] == "photo.png"


def test_another_household_never_reaches_a_thread_nor_its_files(town):
    thread_id = _write(town)
    stranger = town["actors"]["stranger"]
    with db.read() as s:
        attachment_id = s.exec(select(MessageAttachment.id)).one()
        assert messaging.household_threads(s, actor=stranger) == []
        assert messaging.family_unread_count(s, actor=stranger) == 0
    for call in (lambda s: messaging.open_family_thread(s, actor=stranger, thread_id=thread_id),
                 lambda s: messaging.reply_as_family(s, actor=stranger, thread_id=thread_id, body="Coucou"),
                 lambda s: messaging.attachment_content(s, actor=stranger, attachment_id=attachment_id),
                 lambda s: messaging.open_family_thread(s, actor=stranger, thread_id=10_000_000)):
        with pytest.raises(NotFound), db.transaction() as s:
            call(s)
    assert _count(Message) == 1
    with pytest.raises(InvalidInput, match="Choisissez un de vos enfants"), db.transaction() as s:
        messaging.start_thread(s, actor=stranger, organization_id=town["org"], subject="Objet", body="Texte",
                               child_id=town["child"])


def test_another_towns_staff_and_roles_without_messages_are_refused(town):
    thread_id = _write(town)
    actors = town["actors"]
    with db.read() as s:
        attachment_id = s.exec(select(MessageAttachment.id)).one()
    foreign = actors["foreign"]
    for call in (lambda s: messaging_staff.staff_thread(s, actor=foreign, thread_id=thread_id),
                 lambda s: messaging_staff.reply_as_staff(s, actor=foreign, thread_id=thread_id, body="Bonjour"),
                 lambda s: messaging_staff.mark_handled(s, actor=foreign, thread_id=thread_id),
                 lambda s: messaging.attachment_content(s, actor=foreign, attachment_id=attachment_id)):
        with pytest.raises(NotFound) as refused, db.transaction() as s:
            call(s)
        # the same sentence as an id that does not exist
        assert refused.value.message in (messaging.UNKNOWN_THREAD, messaging.UNKNOWN_FILE)
    with pytest.raises(NotFound), db.transaction() as s:
        messaging_staff.write_to_family(s, actor=foreign, organization_id=town["other"], household_id=town["household"],
                                        subject="Objet", body="Texte")
    with db.read() as s:
        assert messaging_staff.staff_threads(s, actor=foreign, organization_id=town["other"]) == ([], 0)
        with pytest.raises(AccessDenied):
            messaging_staff.staff_threads(s, actor=foreign, organization_id=town["org"])
    for role in ("animateur", "regisseur"):
        for call in (lambda s: messaging_staff.staff_thread(s, actor=actors[role], thread_id=thread_id),
                     lambda s: messaging_staff.staff_waiting_count(s, actor=actors[role], organization_id=town["org"]),
                     lambda s: messaging.attachment_content(s, actor=actors[role], attachment_id=attachment_id),
                     lambda s: messaging_staff.write_to_family(s, actor=actors[role], organization_id=town["org"],
                                                               household_id=town["household"], subject="O", body="T")):
            with pytest.raises(AccessDenied), db.transaction() as s:
                call(s)
    with pytest.raises(AccessDenied), db.read() as s:
        messaging.household_threads(s, actor=actors["agent"])  # staff are not a household
    assert _count(Message) == 1


@pytest.mark.parametrize("change, message", [
    (dict(body="   "), "Écrivez votre message avant de l'envoyer."),
    (dict(body="x" * 5001), "Message : 5\u202f000 caractères au maximum (5\u202f001 saisis)."),
    (dict(subject=""), "Indiquez l'objet du message."),
    (dict(subject="y" * 121), "Objet : 120 caractères au maximum (121 saisis)."),
    (dict(attachments=[("notes.txt", b"juste du texte")]), "Format non accepté : envoyez un fichier PDF, JPEG, PNG."),
    (dict(attachments=[("a.pdf", factories.pdf_bytes()), ("b.exe", b"MZ\x90\x00" * 10)]),
     "Format non accepté : envoyez un fichier PDF, JPEG, PNG."),
    (dict(attachments=[("big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024))]), "Le fichier dépasse 10 Mo"),
    (dict(attachments=[(f"{i}.png", factories.png_bytes()) for i in range(4)]), "3 pièces jointes au plus"),
    (dict(organization_id=10_000_000), "Choisissez une organisation auprès de laquelle votre foyer est inscrit."),
])
def test_bad_input_is_refused_in_french_and_changes_nothing(town, change, message):
    with pytest.raises(InvalidInput) as refused:
        _write(town, **change)
    assert refused.value.message.startswith(message)
    assert (_count(MessageThread), _count(Message), _count(MessageAttachment), _count(OutboxEmail)) == (0, 0, 0, 0)
    upload_root = files._path("00").parent.parent
    assert not upload_root.exists() or not any(p.is_file() for p in upload_root.rglob("*"))


def test_an_answer_with_bad_input_changes_nothing(town):
    thread_id = _write(town, attachments=[])
    with pytest.raises(InvalidInput, match="Écrivez votre message"), db.transaction() as s:
        messaging_staff.reply_as_staff(s, actor=town["actors"]["agent"], thread_id=thread_id, body="")
    with db.read() as s:
        assert messaging_staff.staff_waiting_count(s, actor=town["actors"]["agent"], organization_id=town["org"]) == 1
    assert _count(Message) == 1


def test_staff_write_to_every_family_of_an_activity_one_thread_each_and_the_journal_says_so(town):
    actors = town["actors"]
    with db.transaction() as s:
        outing = factories.make_activity(s, _org(s, town), actors["admin"], name="Sortie au zoo", kind="leisure")
        second = factories.make_child(s, _household(s, town["neighbour"]), first_name="Nina")
        factories.register(s, outing, _person(s, town["child"]))
        factories.register(s, outing, second, status="pending")
        activity_id = outing.id
    with db.transaction() as s:
        sent = messaging_staff.write_to_activity(s, actor=actors["agent"], organization_id=town["org"],
                                                 activity_id=activity_id, subject="Sortie annulée",
                                                 body="La sortie de mercredi est annulée (orage).")
    assert sent == 2
    with db.read() as s:
        threads = s.exec(select(MessageThread).order_by(MessageThread.household_id)).all()
        assert [(t.household_id, t.activity_id, t.family_unread, t.awaiting_staff) for t in threads] == [
            (town["household"], activity_id, True, False), (town["neighbour"], activity_id, True, False)]
        assert messaging.family_unread_count(s, actor=actors["stranger"]) == 1
        assert sorted(m.to_address for m in s.exec(select(OutboxEmail)).all()) == [
            "camille@example.org", "nina@example.org"]
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "message.activity")).one()
        assert entry.actor_id == actors["agent"].user_id and entry.object_id == activity_id
        assert json.loads(entry.details) == {"activity": "Sortie au zoo", "subject": "Sortie annulée", "families": 2}
        choices = messaging_staff.compose_choices(s, actor=actors["agent"], organization_id=town["org"])
        assert ["Sortie au zoo (2 familles)"] == [name for _i, name in choices.activities if "zoo" in name]
    with pytest.raises(NotFound), db.transaction() as s:
        messaging_staff.write_to_activity(s, actor=actors["foreign"], organization_id=town["other"],
                                          activity_id=activity_id, subject="Objet", body="Texte")
    with pytest.raises(InvalidInput, match="Choisissez l'activité"), db.transaction() as s:
        messaging_staff.write_to_activity(s, actor=actors["agent"], organization_id=town["org"], activity_id=0,
                                          subject="Objet", body="Texte")
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(MessageThread)).one() == 2


def _org(s, town):
    return s.get(Organization, town["org"])


def _household(s, household_id):
    return s.get(Household, household_id)


def _person(s, person_id):
    return s.get(Person, person_id)


def test_staff_write_to_one_family_the_organization_knows(town):
    actors = town["actors"]
    with db.transaction() as s:
        thread_id = messaging_staff.write_to_family(
            s, actor=actors["agent"], organization_id=town["org"], household_id=town["household"],
            subject="Dossier incomplet", body="Il manque l'attestation d'assurance.", child_id=town["child"],
            attachments=[("modele.pdf", factories.pdf_bytes())])
    with db.read() as s:
        assert messaging.family_unread_count(s, actor=actors["parent"]) == 1
        assert messaging.family_unread_count(s, actor=actors["stranger"]) == 0
        choices = messaging_staff.compose_choices(s, actor=actors["agent"], organization_id=town["org"],
                                                  household_id=town["household"])
        assert choices.family == "Famille MARTIN" and choices.children == [[str(town["child"]), "Léo"]]
    with pytest.raises(InvalidInput, match="Choisissez un enfant de cette famille"), db.transaction() as s:
        messaging_staff.write_to_family(s, actor=actors["agent"], organization_id=town["org"],
                                        household_id=town["neighbour"], subject="Objet", body="Texte",
                                        child_id=town["child"])
    with db.transaction() as s:
        assert messaging.open_family_thread(s, actor=actors["parent"], thread_id=thread_id).subject == "Dossier incomplet"


def test_threads_are_in_the_data_export_and_erased_with_the_household(town):
    thread_id = _write(town)
    with db.transaction() as s:
        messaging_staff.reply_as_staff(s, actor=town["actors"]["agent"], thread_id=thread_id, body="Reçu.")
    with db.read() as s:
        archive = zipfile.ZipFile(io.BytesIO(privacy.export_household(s, actor=town["actors"]["parent"])))
        key = s.exec(select(MessageAttachment.storage_key)).one()
    data = json.loads(archive.read("mes-donnees.json"))
    assert [t["subject"] for t in data["message_thread"]] == ["Allergie de Léo"]
    assert [m["body"] for m in data["message"]] == ["Bonjour,\nLéo ne mange pas d'œuf.", "Reçu."]
    assert "storage_key" not in data["message_attachment"][0]
    [name] = [n for n in archive.namelist() if n.startswith("messages/")]
    assert name.endswith("-certificat.pdf") and archive.read(name).startswith(b"%PDF")
    with db.read() as s:  # the neighbour's export holds none of it
        other = zipfile.ZipFile(io.BytesIO(privacy.export_household(s, actor=town["actors"]["stranger"])))
        assert json.loads(other.read("mes-donnees.json"))["message"] == []
    with db.transaction() as s:
        assert anonymisation.anonymise_household(s, actor=Actor.system(), household_id=town["household"],
                                                 reason="request")
    assert (_count(MessageThread), _count(Message), _count(MessageAttachment)) == (0, 0, 0)
    assert not files._path(key).exists()


def test_the_attachment_route_serves_the_file_only_to_the_household_and_its_staff(town):
    from starlette.testclient import TestClient

    from cityviz import routes
    from cityviz.api import build_api
    from cityviz.services.accounts import auth

    def cookie(email):
        result = auth.login(email=email, password=factories.PASSWORD)
        with db.transaction() as s:
            return auth.exchange_ticket(s, ticket=result.ticket)

    _write(town)
    with db.read() as s:
        attachment_id = s.exec(select(MessageAttachment.id)).one()
    with db.transaction() as s:
        factories.make_staff(s, s.get(Organization, town["other"]),
                             role="agent", email="agent@demostars.example.org")
    client = TestClient(build_api())
    url = f"{routes.MESSAGE_FILE}/{attachment_id}"
    assert client.get(url).status_code == 401  # no session
    expected = {"camille@example.org": 200, "agent@mairie.example.org": 200, "admin@mairie.example.org": 200,
                "nina@example.org": 404, "agent@demostars.example.org": 404, "animateur@mairie.example.org": 403,
                "regisseur@mairie.example.org": 403}
    for email, status in expected.items():
        client.cookies.set(routes.SESSION_COOKIE, cookie(email))
        answer = client.get(url)
        assert answer.status_code == status, email
        if status == 200:
            assert answer.headers["content-type"] == "application/pdf" and answer.content.startswith(b"%PDF")
            assert answer.headers["cache-control"] == "private, no-store"
            assert "sandbox" in answer.headers["content-security-policy"]
        else:
            assert not answer.content.startswith(b"%PDF")
    client.cookies.set(routes.SESSION_COOKIE, cookie("camille@example.org"))
    assert client.get(f"{routes.MESSAGE_FILE}/999999").status_code == 404  # like another household's


def test_a_message_from_the_family_counts_as_activity_for_retention_not_one_from_the_town(town, frozen):
    from datetime import datetime

    from cityviz import clock
    from cityviz.services.operations import retention

    with db.read() as s:
        created = retention.last_activity(s)[town["household"]]
    frozen.move_to(datetime(2027, 3, 1, 9, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        messaging_staff.write_to_family(s, actor=town["actors"]["agent"], organization_id=town["org"],
                                        household_id=town["household"], subject="Rappel", body="Texte")
    with db.read() as s:
        assert retention.last_activity(s)[town["household"]] == created
    frozen.move_to(datetime(2027, 4, 1, 9, 0, tzinfo=clock.PARIS))
    _write(town, attachments=[])
    with db.read() as s:
        assert retention.last_activity(s)[town["household"]] == datetime(2027, 4, 1, 9, 0, tzinfo=clock.PARIS)
