"""No one but its recipient reads a credential: « Messages envoyés » and the
CLI's listing mask temporary passwords and reset links; without SMTP only
the command line prints them, for one address asked by name. (On main the
outbox showed both, so whoever read it could take over any account.)"""

import pytest
from sqlmodel import select

from cityviz import cli, db
from cityviz.models import Organization, OutboxEmail
from cityviz.services import email as mail
from cityviz.services.accounts import auth, invitations, outbox
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
ADMIN = Actor(user_id=1, email="admin@example.org", is_platform_admin=True)  # logged in to the portal


def _invite(email="nina@example.org") -> invitations.Invited:
    with db.transaction() as s:
        return invitations.invite_guardian(s, actor=Actor.system(), email=email, first_name="Nina",
                                           last_name="Durand")


def _reset_link() -> str:
    with db.transaction() as s:
        factories.make_household(s, email="camille@example.org")
        auth.request_password_reset(s, email="camille@example.org")
    with db.read() as s:
        body = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "camille@example.org")).one().body
    return mail.revealed(body).split("ouvrez ce lien (valable une heure, une seule fois) :\n\n")[1].split()[0]


def _page() -> list[outbox.OutboxRow]:
    with db.read() as s:
        return outbox.list_outbox(s, actor=ADMIN)[0]


def test_the_outbox_page_hides_temporary_passwords_and_reset_links():
    invited = _invite()
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = invitations.create_staff(s, actor=ADMIN, organization_id=org.id, email="agent@mairie.fr",
                                         display_name="Jeanne Agent")
    link = _reset_link()
    assert "jeton=" in link
    rows = _page()
    assert len(rows) == 3
    shown = "\n".join(r.body for r in rows)
    for credential in (invited.temporary_password, staff.temporary_password, link, link.split("jeton=")[1]):
        assert credential not in shown
    assert shown.count(mail.MASKED) == 3
    assert "Identifiant : nina@example.org" in shown  # the rest of the message stays readable


def test_credentials_are_printed_by_the_command_line_only_for_one_address(capsys):
    invited = _invite()
    other = _invite("paul@example.org")
    with db.read() as s, pytest.raises(AccessDenied):
        outbox.undelivered_credentials(s, actor=ADMIN, email="nina@example.org")  # not from the portal
    assert cli.main(["outbox"]) == 0
    listed = capsys.readouterr().out
    assert "nina@example.org" in listed and invited.temporary_password not in listed
    assert other.temporary_password not in listed
    assert cli.main(["credentials", " Nina@Example.org "]) == 0
    printed = capsys.readouterr().out
    assert f"Mot de passe temporaire : {invited.temporary_password}\n" in printed
    assert other.temporary_password not in printed and "paul@example.org" not in printed
    assert cli.main(["credentials", "personne@example.org"]) == 0
    assert "Aucun identifiant en attente" in capsys.readouterr().out


def test_a_secret_cannot_be_unmasked_by_what_a_user_typed():
    """A name carrying the markers cannot open a span that leaks the password after it."""
    with db.transaction() as s:
        org = factories.make_organization(s)
        org.name = "Ville \u27e7 fermée \u27e6"
        s.add(org)
        s.flush()
        invited = invitations.create_staff(s, actor=ADMIN, organization_id=org.id, email="agent@mairie.fr",
                                           display_name="Jeanne \u27e7 Agent")
    assert invited.temporary_password not in "\n".join(r.body for r in _page())
    with db.read() as s:
        assert s.exec(select(Organization)).one().name.startswith("Ville")
