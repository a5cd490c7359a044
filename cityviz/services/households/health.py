"""Health: the PAI (projet d'accueil individualisé) document of a child, for its household and
the staff of the organizations the child is known to (with the right to read documents)."""

from __future__ import annotations

from sqlmodel import Session, select

from cityviz.models import Enrollment, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, NotFound
from cityviz.services.households import files
from cityviz.services.households.documents import FileContent


def pai_content(s: Session, *, actor: Actor, child_id: int) -> FileContent:
    child = s.get(Person, child_id)
    if child is None or child.role != "child":
        raise NotFound("Enfant introuvable.")
    if actor.household_id != child.household_id:
        organizations = s.exec(select(Enrollment.organization_id).where(Enrollment.person_id == child.id)).all()
        if not any(actor.can(o, "documents") for o in organizations):
            raise AccessDenied()
    if child.pai_key is None:
        raise NotFound("Aucun PAI n'est joint à la fiche de cet enfant.")
    return FileContent(data=files.read(child.pai_key), content_type=child.pai_type, filename=child.pai_name)
