"""Mail goes through a real SMTP server (aiosmtpd) when one is configured."""

import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlmodel import select

from cityviz import db, jobs
from cityviz.models import Job, OutboxEmail
from cityviz.services import email as mail
from cityviz.services.accounts import auth, invitations, outbox
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied

pytestmark = pytest.mark.usefixtures("database", "frozen")


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def parts(message) -> tuple[str, str]:
    """The plain-text and HTML alternatives of a received message (decoded)."""
    found = {part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset())
             for part in message.walk() if part.get_content_type() in ("text/plain", "text/html")
             and part.get_content_disposition() != "attachment"}
    assert message.get_content_type() in ("multipart/alternative", "multipart/mixed")
    return found["text/plain"], found["text/html"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings(smtp_host="127.0.0.1", smtp_port=port)
    yield inbox
    controller.stop()


def test_invitation_arrives_by_smtp_after_commit(smtp):
    with db.transaction() as s:
        invited = invitations.invite_guardian(s, actor=Actor.system(), email="nina@example.org",
                                           first_name="Nina", last_name="Durand")
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "nina@example.org"
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "Votre accès au portail familles Cityviz Enfance"
    text, html = parts(message)
    assert invited.temporary_password in text and "nina@example.org" in text
    assert invited.temporary_password in html and "Cityviz Enfance" in html
    assert not {"\u27e6", "\u27e7"} & set(text + html)  # the markers never reach the recipient
    with db.read() as s:
        assert s.exec(select(OutboxEmail)).one().sent_at is not None


def test_a_delivered_message_keeps_no_secret(smtp):
    """Delivered: the temporary password and the reset link live only in the recipient's inbox."""
    with db.transaction() as s:
        invited = invitations.invite_guardian(s, actor=Actor.system(), email="nina@example.org",
                                              first_name="Nina", last_name="Durand")
    with db.transaction() as s:
        auth.request_password_reset(s, email="nina@example.org")
    received = [parts(m)[0] for m in smtp.messages]
    token = received[1].split("jeton=")[1].split()[0]
    assert invited.temporary_password in received[0] and len(token) >= 43
    with db.read() as s:
        stored = [m.body for m in s.exec(select(OutboxEmail).order_by(OutboxEmail.id)).all()]
        rows, _total = outbox.list_outbox(s, actor=Actor.system())
    assert invited.temporary_password not in stored[0] and token not in stored[1]
    assert all(mail.SCRUBBED in body and not mail.has_secret(body) for body in stored)
    assert "Identifiant : nina@example.org" in stored[0]
    assert [r.status for r in rows] == ["Envoyé", "Envoyé"]


def test_nothing_is_sent_when_the_transaction_fails(smtp):
    with pytest.raises(RuntimeError), db.transaction() as s:
        invitations.invite_guardian(s, actor=Actor.system(), email="nina@example.org",
                                 first_name="Nina", last_name="Durand")
        raise RuntimeError("crash after the invitation")
    assert smtp.messages == []
    with db.read() as s:
        assert s.exec(select(OutboxEmail)).all() == []


def test_unreachable_server_keeps_the_message_for_later(settings):
    settings(smtp_host="127.0.0.1", smtp_port=_free_port())
    with db.transaction() as s:
        invitations.invite_guardian(s, actor=Actor.system(), email="nina@example.org",
                                 first_name="Nina", last_name="Durand")
    with db.read() as s:
        row = s.exec(select(OutboxEmail)).one()
    assert row.sent_at is None and row.attempts == 1 and row.last_error


def test_without_smtp_mail_stays_in_the_outbox_for_the_platform_admin():
    with db.transaction() as s:
        invitations.invite_guardian(s, actor=Actor.system(), email="nina@example.org",
                                 first_name="Nina", last_name="Durand")
    assert mail.deliver_pending() == 0
    with db.read() as s:
        rows, total = outbox.list_outbox(s, actor=Actor.system())
        assert total == 1 and rows[0].recipient == "nina@example.org" and rows[0].status == "En attente"
        with pytest.raises(AccessDenied):
            outbox.list_outbox(s, actor=Actor(user_id=5, household_id=1))


def test_the_messages_of_a_transaction_share_one_delivery_job(smtp):
    with db.transaction() as s:
        for name in ("nina", "paul"):
            invitations.invite_guardian(s, actor=Actor.system(), email=f"{name}@example.org",
                                        first_name=name.title(), last_name="Durand")
    assert sorted(m["To"] for m in smtp.messages) == ["nina@example.org", "paul@example.org"]
    with db.read() as s:
        [job] = s.exec(select(Job)).all()
        assert {m.job_id for m in s.exec(select(OutboxEmail)).all()} == {job.id}
    assert (job.name, job.status, job.result) == ("mail.deliver", "succeeded", "2 e-mail(s) envoyé(s).")


def test_a_failed_delivery_is_tried_again_by_its_job_with_backoff(settings, frozen):
    port = _free_port()
    settings(smtp_host="127.0.0.1", smtp_port=port)
    with db.transaction() as s:
        invitations.invite_guardian(s, actor=Actor.system(), email="nina@example.org",
                                    first_name="Nina", last_name="Durand")
    with db.read() as s:
        job = s.exec(select(Job)).one()
    assert job.status == "retrying" and "1 message(s) non envoyé(s)" in job.last_error
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        frozen.shift(59)
        assert jobs.run_due() == []  # one minute after the first failure, not before
        frozen.shift(1)
        assert [o.status for o in jobs.run_due()] == ["succeeded"]
    finally:
        controller.stop()
    assert [m["To"] for m in inbox.messages] == ["nina@example.org"]
    with db.read() as s:
        row = s.exec(select(OutboxEmail)).one()
    assert row.sent_at is not None and row.attempts == 2
