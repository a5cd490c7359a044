"""« Importer » as a job: the file staff previewed is kept with the uploads, and the import runs on
whatever runs jobs (a worker, the in-process runner), outside the page's request: all or nothing in
one transaction, as family_import.import_families always did. Staff follow it on the import page
and in « Tâches » (progress, failure, « Relancer »), as the invoice and certificate runs."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from cityviz import db, jobs
from cityviz.models import Job
from cityviz.services.accounts import auth
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, DomainError, InvalidInput, NotFound
from cityviz.services.households import family_import, files
from cityviz.services.inputs import clean

JOB = "households.family_import"


def request_import(s: Session, *, actor: Actor, organization_id: int, filename: str, data: bytes,
                   invite: bool = False) -> int:
    """Keep the file and ask for its import (it runs once this transaction commits); the job's id."""
    actor.require_capability(organization_id, "families")
    if not data:
        raise InvalidInput("Déposez d'abord un fichier, puis prévisualisez-le.", field="file")
    name = clean(filename, 120)
    key = files.store_generated(data)
    try:
        job = jobs.enqueue(s, JOB, organization_id=organization_id, created_by_id=actor.user_id,
                           label=f"Import de familles : {name}"[:200], file_key=key, filename=name,
                           invite=bool(invite))
    except BaseException:
        files.delete(key)
        raise
    return job.id


def summary(result: family_import.ImportResult) -> str:
    return (f"{result.new_families} famille(s) créée(s), {result.updated_families} mise(s) à jour, "
            f"{result.new_children} enfant(s) ajouté(s), {result.updated_children} mis à jour, "
            f"{result.invited} invitation(s) envoyée(s).")


@jobs.job(JOB, label="Import de familles", retries=3, backoff=30)
def family_import_job(ctx: jobs.JobContext, *, file_key: str, filename: str, invite: bool) -> str:
    """As the staff member who asked (their rights checked again by import_families)."""
    if ctx.created_by_id is None or ctx.organization_id is None:
        raise AccessDenied("Lancez l'import depuis la page « Importer des familles ».")
    with db.read() as s:
        actor = auth.actor_for_user(s, user_id=ctx.created_by_id)
    try:
        data = files.read(file_key)
    except (FileNotFoundError, InvalidInput):
        raise InvalidInput("Le fichier de cet import n'est plus disponible : déposez-le de nouveau.") from None
    ctx.progress(0, 1, "Vérification et import du fichier (tout ou rien)…")
    try:
        with db.transaction() as s:
            result = family_import.import_families(s, actor=actor, organization_id=ctx.organization_id,
                                                   filename=filename, data=data, invite=invite)
            ctx.progress(1, 1, "Import terminé.", s=s)
    except DomainError:
        files.delete(file_key)  # refused (lines in error, rights): not tried again, the file is not kept
        raise
    files.delete(file_key)
    return summary(result)


@dataclasses.dataclass(frozen=True)
class ImportStatus:
    status: str  # the job's: queued, running, retrying, succeeded, failed, cancelled
    done: int
    total: int
    message: str  # where it stands
    summary: str  # what it did (succeeded)
    error: str  # why it stopped or is tried again (French)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running", "retrying")


def import_status(s: Session, *, actor: Actor, organization_id: int, job_id: int) -> ImportStatus:
    """Where an import of the organization stands (read every second by the import page)."""
    actor.require_capability(organization_id, "families")
    job = s.get(Job, job_id)
    if job is None or job.name != JOB or job.organization_id != organization_id:
        raise NotFound("Import introuvable.")
    return ImportStatus(job.status, job.progress_done, job.progress_total, job.progress_message or "",
                        job.result or "" if job.status == "succeeded" else "",
                        job.last_error or "" if job.status in ("retrying", "failed") else "")
