"""A parent never reaches another household's data; staff never another organization's."""

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from cityviz import db, routes
from cityviz.api import build_api
from cityviz.models import Enrollment
from cityviz.services.accounts import auth
from cityviz.services.errors import AccessDenied, InvalidInput, NotFound
from cityviz.services.households import documents, dossier_review, dossiers, families, news, people
from tests import factories
from tests.services.access import assert_refused_alike

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def world():
    """Two towns; in each, a family with a submitted dossier and a document; one agent each."""
    out = {}
    with db.transaction() as s:
        for name in ("A", "B"):
            org = factories.make_organization(s, name=f"Ville {name}")
            req = factories.make_requirement(s, org, "Carnet de vaccination", "child")
            household, _g, user = factories.make_household(s, email=f"parent{name}@example.org", org=org)
            child = factories.make_child(s, household, org=org, status="draft")
            agent = factories.make_staff(s, org, email=f"agent{name}@example.org")
            out[name] = {"org": org.id, "req": req.id, "child": child.id, "household": household.id,
                         "parent": factories.actor(s, user), "agent": factories.actor(s, agent)}
    for name, w in out.items():
        with db.transaction() as s:
            w["document"] = documents.upload_document(s, actor=w["parent"], requirement_id=w["req"],
                                                      person_id=w["child"], filename="carnet.pdf",
                                                      data=factories.pdf_bytes())
            people.set_avatar(s, actor=w["parent"], person_id=w["child"], data=factories.png_bytes())
            w["post"] = news.save_post(s, actor=w["agent"], organization_id=w["org"], post_id=None,
                                       title=f"Nouvelles de {name}", body="Texte", publish=True,
                                       image=factories.png_bytes())
        with db.read() as s:
            w["enrollment"] = s.exec(select(Enrollment.id).where(Enrollment.person_id == w["child"])).one()
    return out


def test_parent_cannot_touch_another_households_dossier_documents_or_children(world):
    me, other = world["A"]["parent"], world["B"]
    calls = [
        lambda s: dossiers.dossier(s, actor=me, enrollment_id=other["enrollment"]),
        lambda s: dossiers.submit_dossier(s, actor=me, enrollment_id=other["enrollment"]),
        lambda s: documents.document_content(s, actor=me, document_id=other["document"]),
        lambda s: documents.upload_document(s, actor=me, requirement_id=other["req"], person_id=other["child"],
                                            filename="x.pdf", data=factories.pdf_bytes()),
        lambda s: people.save_child(s, actor=me, child_id=other["child"], first_name="X", last_name="Y",
                                        birth_date="2018-01-01", sex="F"),
        lambda s: people.set_avatar(s, actor=me, person_id=other["child"], data=factories.png_bytes()),
        lambda s: families.person_photo(s, actor=me, person_id=other["child"]),
        lambda s: news.news_image(s, actor=me, post_id=other["post"]),
        lambda s: dossiers.register_members(s, actor=me, organization_id=other["org"],
                                            person_ids=[other["child"]]),
    ]
    for call in calls:
        with pytest.raises((AccessDenied, NotFound)), db.transaction() as s:
            call(s)


def test_parent_cannot_use_staff_services(world):
    me, mine = world["A"]["parent"], world["A"]
    calls = [
        lambda s: dossier_review.list_dossiers(s, actor=me, organization_id=mine["org"]),
        lambda s: dossier_review.staff_dossier(s, actor=me, enrollment_id=mine["enrollment"]),
        lambda s: dossier_review.validate_dossier(s, actor=me, enrollment_id=mine["enrollment"]),
        lambda s: documents.decide_document(s, actor=me, document_id=mine["document"], accept=True),
        lambda s: documents.save_requirement(s, actor=me, organization_id=mine["org"], requirement_id=None,
                                             name="X", scope="child", mandatory=True),
        lambda s: families.list_families(s, actor=me, organization_id=mine["org"]),
        lambda s: news.save_post(s, actor=me, organization_id=mine["org"], post_id=None, title="X", body="Y",
                                 publish=True),
    ]
    for call in calls:
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)


# Services taking an id from staff: (name, call(session, actor, org of the actor, id), key of the id in `world`).
STAFF_ID_CALLS = [
    ("staff_dossier", lambda s, a, org, i: dossier_review.staff_dossier(s, actor=a, enrollment_id=i), "enrollment"),
    ("validate_dossier", lambda s, a, org, i: dossier_review.validate_dossier(s, actor=a, enrollment_id=i),
     "enrollment"),
    ("reject_dossier", lambda s, a, org, i: dossier_review.reject_dossier(s, actor=a, enrollment_id=i, reason="x"),
     "enrollment"),
    ("decide_document", lambda s, a, org, i: documents.decide_document(s, actor=a, document_id=i, accept=True),
     "document"),
    ("document_content", lambda s, a, org, i: documents.document_content(s, actor=a, document_id=i), "document"),
    ("person_photo", lambda s, a, org, i: families.person_photo(s, actor=a, person_id=i), "child"),
    ("invite_guardian", lambda s, a, org, i: families.invite_guardian(s, actor=a, organization_id=org, person_id=i),
     "guardian"),
]


@pytest.mark.parametrize("name,call,key", STAFF_ID_CALLS, ids=[c[0] for c in STAFF_ID_CALLS])
def test_staff_ids_of_another_town_are_refused_like_missing_ones(world, name, call, key):
    """Another town's dossier, document or person is "introuvable", exactly like an id that does not exist."""
    me, other = world["A"], world["B"]
    other["guardian"] = other["parent"].person_id
    assert_refused_alike(lambda s, i: call(s, me["agent"], me["org"], i), other[key])
    # A parent of the town is no staff: refused before any id is looked at.
    if name not in ("document_content", "person_photo"):
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s, me["parent"], me["org"], me.get(key, me["parent"].person_id))


def test_staff_cannot_reach_another_organization(world):
    agent, other = world["A"]["agent"], world["B"]
    calls = [
        lambda s: dossier_review.list_dossiers(s, actor=agent, organization_id=other["org"]),
        lambda s: documents.list_requirements(s, actor=agent, organization_id=other["org"]),
        lambda s: documents.set_requirement_active(s, actor=agent, requirement_id=other["req"], active=False),
        lambda s: families.list_families(s, actor=agent, organization_id=other["org"]),
        lambda s: news.set_published(s, actor=agent, post_id=other["post"], published=False),
        lambda s: news.news_image(s, actor=agent, post_id=other["post"]),
        lambda s: news.list_posts(s, actor=agent, organization_id=other["org"]),
    ]
    for call in calls:
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)


def test_own_data_is_reachable(world):
    mine = world["A"]
    with db.read() as s:
        assert documents.document_content(s, actor=mine["parent"], document_id=mine["document"]).data
        assert documents.document_content(s, actor=mine["agent"], document_id=mine["document"]).data
        assert families.person_photo(s, actor=mine["agent"], person_id=mine["child"])
        assert dossier_review.staff_dossier(s, actor=mine["agent"], enrollment_id=mine["enrollment"]).person_name
    with pytest.raises(InvalidInput, match="utilise déjà son compte"), db.transaction() as s:  # reached
        families.invite_guardian(s, actor=mine["agent"], organization_id=mine["org"],
                                 person_id=mine["parent"].person_id)
    with db.transaction() as s:
        documents.decide_document(s, actor=mine["agent"], document_id=mine["document"], accept=True)
        assert news.news_image(s, actor=mine["parent"], post_id=mine["post"])
        assert [f.title for f in news.feed_for_household(s, actor=mine["parent"])] == ["Nouvelles de A"]


def _cookie(email):
    result = auth.login(email=email, password=factories.PASSWORD)
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=result.ticket)


def test_file_routes_check_the_session_cookie(world):
    client = TestClient(build_api())
    doc_b = f"{routes.DOCUMENT_FILE}/{world['B']['document']}"
    assert client.get(doc_b).status_code == 401  # no session
    client.cookies.set(routes.SESSION_COOKIE, "forged")
    assert client.get(doc_b).status_code == 401
    client.cookies.set(routes.SESSION_COOKIE, _cookie("parentA@example.org"))
    assert client.get(doc_b).status_code == 403
    assert client.get(f"{routes.AVATAR_FILE}/{world['B']['child']}").status_code == 404
    assert client.get(f"{routes.NEWS_IMAGE}/{world['B']['post']}").status_code == 403
    own = client.get(f"{routes.DOCUMENT_FILE}/{world['A']['document']}")
    assert own.status_code == 200 and own.headers["content-type"] == "application/pdf"
    assert own.headers["cache-control"] == "private, no-store" and "sandbox" in own.headers[
        "content-security-policy"]
    export = client.get(routes.EXPORT)
    assert export.status_code == 200 and export.content[:2] == b"PK"
    client.cookies.set(routes.SESSION_COOKIE, _cookie("agentA@example.org"))
    assert client.get(doc_b).status_code == 404  # like a document that does not exist
    assert client.get(f"{routes.DOCUMENT_FILE}/{world['A']['document']}").status_code == 200
    assert client.get(routes.EXPORT).status_code == 403  # staff have no household to export
    assert client.get(f"{routes.DOCUMENT_FILE}/999999").status_code == 404
