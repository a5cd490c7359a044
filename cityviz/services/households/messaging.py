"""« Messagerie »: a family writes to an organization it is registered with, about a child or a
topic, with attachments under the document rules (PDF, JPEG, PNG, 10 MB, checked on content);
staff answer in the thread (messaging_staff.py). Each side has its counter — the family's
unread threads, the staff's « Messages en attente » — and is told by e-mail, with a link only:
no subject, no content, no name in the mail.

Who reaches a thread: the members of its household, and the organization's staff whose role has
« messages » (administrateur, agent; not the animateur nor the régisseur, actor.py). A thread of
another household or organization is refused exactly like one that does not exist.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, func, select

from cityviz import clock, config
from cityviz.models import Message, MessageAttachment, MessageThread, Organization, Person, StaffMembership, User
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidInput, NotFound
from cityviz.services.formatting import format_datetime
from cityviz.services.households import files
from cityviz.services.households.documents import FileContent
from cityviz.services.households.scope import organizations_knowing, require_some_staff
from cityviz.services.inputs import bounded, clean

SUBJECT_MAX = 120
BODY_MAX = 5000
MAX_ATTACHMENTS = 3
UNKNOWN_THREAD = "Conversation introuvable."
UNKNOWN_FILE = "Pièce jointe introuvable."
FAMILY_PATH = "/messagerie/fil"  # ?id=… (routes.MESSAGE_THREAD; services do not import routes)
STAFF_PATH = "/admin/messagerie/fil"

Upload = tuple[str, bytes]  # (file name, content)


# --- Checks shared by both sides --------------------------------------------------------------------

def checked_subject(subject: object) -> str:
    text = bounded(subject, SUBJECT_MAX, "Objet", "subject")
    if not text:
        raise InvalidInput("Indiquez l'objet du message.", field="subject")
    return text


def checked_body(body: object) -> str:
    text = bounded(body, BODY_MAX, "Message", "body", multiline=True)
    if not text:
        raise InvalidInput("Écrivez votre message avant de l'envoyer.", field="body")
    return text


def checked_uploads(attachments: Sequence[Upload]) -> list[Upload]:
    """Every file checked (type on content, size) before anything is written."""
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidInput(f"{MAX_ATTACHMENTS} pièces jointes au plus par message.", field="file")
    for _name, data in attachments:
        files.check_upload(data)
    return attachments


def add_message(s: Session, thread: MessageThread, *, actor: Actor, kind: str, body: str,
                attachments: Sequence[Upload] = ()) -> Message:
    """A message and its files (stored; removed again if the transaction fails before its end)."""
    now = clock.now()
    message = Message(thread_id=thread.id, household_id=thread.household_id, author_kind=kind,
                      author_id=actor.user_id, author_name=clean(actor.display_name, 170) or "—", body=body,
                      created_at=now)
    s.add(message)
    s.flush()
    with contextlib.ExitStack() as stack:
        for name, data in attachments:
            stored = stack.enter_context(files.stored(data))
            s.add(MessageAttachment(message_id=message.id, household_id=thread.household_id, storage_key=stored.key,
                                    original_name=clean(name, 200) or "piece-jointe", content_type=stored.content_type,
                                    size_bytes=stored.size))
        s.flush()
    thread.last_message_at = now
    thread.awaiting_staff = kind == "family"
    thread.family_unread = kind == "staff"
    s.add(thread)
    return message


def household_addresses(s: Session, household_id: int) -> list[str]:
    return list(s.exec(select(User.email).join(Person, Person.id == User.person_id)
                       .where(Person.household_id == household_id, User.is_active == True)  # noqa: E712
                       .order_by(User.id)).all())


def tell_family(s: Session, thread: MessageThread) -> None:
    """An e-mail to each guardian with an account: who wrote, and the link. Nothing else."""
    organization = s.get(Organization, thread.organization_id)
    for address in household_addresses(s, thread.household_id):
        mail.queue_email(s, to=address, subject=f"Nouveau message de {organization.name}",
                         body=(f"Bonjour,\n\n{organization.name} vous a écrit dans votre messagerie Cityviz Enfance. "
                               f"Pour lire le message et répondre :\n{config.get().public_url}{FAMILY_PATH}?id={thread.id}\n"),
                         organization_id=organization.id, action_label="Lire le message")


def _tell_staff(s: Session, thread: MessageThread) -> None:
    """An e-mail to the organization's administrators and agents: a family wrote; the link only."""
    addresses = s.exec(select(User.email).join(StaffMembership, StaffMembership.user_id == User.id)
                       .where(StaffMembership.organization_id == thread.organization_id,
                              col(StaffMembership.role).in_(["admin", "agent"]), User.is_active == True)  # noqa: E712
                       .order_by(User.id)).all()
    for address in addresses:
        mail.queue_email(s, to=address, subject="Messagerie : une famille vous a écrit",
                         body=(f"Bonjour,\n\nUne famille vous a écrit dans la messagerie de l'espace agents. "
                               f"Pour lire le message et répondre :\n{config.get().public_url}{STAFF_PATH}?id={thread.id}\n"),
                         organization_id=thread.organization_id, action_label="Lire le message")


# --- What a thread shows -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class MessageView:
    id: int
    from_family: bool
    author: str
    when: str
    body: str
    attachments: list[list[str]]  # [id, file name]


@dataclasses.dataclass(frozen=True)
class ThreadView:
    id: int
    subject: str
    organization: str
    household_id: int
    child: str
    awaiting_staff: bool
    messages: list[MessageView]


def thread_view(s: Session, thread: MessageThread) -> ThreadView:
    messages = s.exec(select(Message).where(Message.thread_id == thread.id).order_by(Message.id)).all()
    attached: dict[int, list[list[str]]] = {}
    if messages:
        for a in s.exec(select(MessageAttachment).where(col(MessageAttachment.message_id).in_([m.id for m in messages]))
                        .order_by(MessageAttachment.id)).all():
            attached.setdefault(a.message_id, []).append([str(a.id), a.original_name])
    child = s.get(Person, thread.child_id) if thread.child_id else None
    return ThreadView(
        id=thread.id, subject=thread.subject, organization=s.get(Organization, thread.organization_id).name,
        household_id=thread.household_id, child=child.first_name if child else "",
        awaiting_staff=thread.awaiting_staff,
        messages=[MessageView(id=m.id, from_family=m.author_kind == "family", author=m.author_name,
                              when=format_datetime(m.created_at), body=m.body, attachments=attached.get(m.id, []))
                  for m in messages])


@dataclasses.dataclass(frozen=True)
class ThreadRow:
    id: int
    subject: str
    with_whom: str  # the organization (family side) or the family (staff side)
    child: str
    last: str  # date and time of the last message
    unread: bool  # the family: an answer not read yet; staff: awaiting an answer


def last_label(moment: datetime) -> str:
    return format_datetime(moment)


# --- The family's side ---------------------------------------------------------------------------

def _own_thread(s: Session, actor: Actor, thread_id: int) -> MessageThread:
    household_id = actor.require_household()
    thread = s.get(MessageThread, thread_id) if isinstance(thread_id, int) else None
    if thread is None or thread.household_id != household_id:
        raise NotFound(UNKNOWN_THREAD)
    return thread


def message_choices(s: Session, *, actor: Actor) -> tuple[list[list[str]], list[list[str]]]:
    """([id, name] of the organizations the household is registered with, [id, first name] of its children)."""
    household_id = actor.require_household()
    org_ids = sorted(organizations_knowing(s, household_id))
    organizations = s.exec(select(Organization.id, Organization.name).where(col(Organization.id).in_(org_ids))
                           .order_by(Organization.name)).all() if org_ids else []
    children = s.exec(select(Person.id, Person.first_name).where(Person.household_id == household_id,
                                                                 Person.role == "child").order_by(Person.id)).all()
    return [[str(i), n] for i, n in organizations], [[str(i), n] for i, n in children]


def start_thread(s: Session, *, actor: Actor, organization_id: int, subject: str, body: str,
                 child_id: int | None = None, attachments: Sequence[Upload] = ()) -> int:
    """« Nouveau message » of a family to one of its organizations; the new thread's id."""
    household_id = actor.require_household()
    if not isinstance(organization_id, int) or organization_id not in organizations_knowing(s, household_id):
        raise InvalidInput("Choisissez une organisation auprès de laquelle votre foyer est inscrit.",
                           field="organization_id")
    if child_id is not None:
        child = s.get(Person, child_id) if isinstance(child_id, int) else None
        if child is None or child.household_id != household_id or child.role != "child":
            raise InvalidInput("Choisissez un de vos enfants, ou « Sujet général ».", field="child_id")
    subject, body = checked_subject(subject), checked_body(body)
    attachments = checked_uploads(attachments)
    now = clock.now()
    thread = MessageThread(organization_id=organization_id, household_id=household_id, child_id=child_id,
                           subject=subject, started_by="family", created_at=now, last_message_at=now)
    s.add(thread)
    s.flush()
    add_message(s, thread, actor=actor, kind="family", body=body, attachments=attachments)
    _tell_staff(s, thread)
    return thread.id


def reply_as_family(s: Session, *, actor: Actor, thread_id: int, body: str,
                    attachments: Sequence[Upload] = ()) -> None:
    thread = _own_thread(s, actor, thread_id)
    body, attachments = checked_body(body), checked_uploads(attachments)
    add_message(s, thread, actor=actor, kind="family", body=body, attachments=attachments)
    _tell_staff(s, thread)


def open_family_thread(s: Session, *, actor: Actor, thread_id: int) -> ThreadView:
    """The thread as the family reads it; its answers count as read from now on."""
    thread = _own_thread(s, actor, thread_id)
    if thread.family_unread:
        thread.family_unread = False
        s.add(thread)
        s.flush()
    return thread_view(s, thread)


def household_threads(s: Session, *, actor: Actor, limit: int = 50) -> list[ThreadRow]:
    """The household's threads, the latest first."""
    household_id = actor.require_household()
    rows = s.exec(select(MessageThread, Organization.name, Person.first_name)
                  .join(Organization, Organization.id == MessageThread.organization_id)
                  .outerjoin(Person, Person.id == MessageThread.child_id)
                  .where(MessageThread.household_id == household_id)
                  .order_by(col(MessageThread.last_message_at).desc(), col(MessageThread.id).desc())
                  .limit(limit)).all()
    return [ThreadRow(id=t.id, subject=t.subject, with_whom=org, child=child or "", last=last_label(t.last_message_at),
                      unread=t.family_unread) for t, org, child in rows]


def family_unread_count(s: Session, *, actor: Actor) -> int:
    household_id = actor.require_household()
    return s.exec(select(func.count()).select_from(MessageThread).where(
        MessageThread.household_id == household_id, MessageThread.family_unread == True)).one()  # noqa: E712


# --- Files ---------------------------------------------------------------------------------------

def attachment_content(s: Session, *, actor: Actor, attachment_id: int) -> FileContent:
    """An attachment: for its household, or its organization's staff who may read messages."""
    attachment = s.get(MessageAttachment, attachment_id) if isinstance(attachment_id, int) else None
    message = s.get(Message, attachment.message_id) if attachment is not None else None
    thread = s.get(MessageThread, message.thread_id) if message is not None else None
    if actor.household_id is None:
        require_some_staff(actor, "messages")
    allowed = thread is not None and (actor.household_id == thread.household_id
                                      or actor.can(thread.organization_id, "messages"))
    if not allowed:
        raise NotFound(UNKNOWN_FILE)
    return FileContent(data=files.read(attachment.storage_key), content_type=attachment.content_type,
                       filename=attachment.original_name)


def attachment_keys(s: Session, household_id: int) -> list[str]:
    """The stored files of a household's messages (export, erasure)."""
    return list(s.exec(select(MessageAttachment.storage_key).where(MessageAttachment.household_id == household_id)))
