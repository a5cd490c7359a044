"""Command line: `python -m cityviz <command>` (see --help)."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import col, select

from cityviz import backup, config, db, demo, jobs, observability, schema
from cityviz.jobs import backends as jobs_backends
from cityviz.jobs import local
from cityviz.models import Job, StaffMembership, User
from cityviz.services import email as mail
from cityviz.services.accounts import auth, invitations, organizations, outbox, passwords
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import periods
from cityviz.services.errors import DomainError


def _migrate(_args) -> None:
    schema.migrate()
    print("Base de données à jour.")


def _demo(_args) -> None:
    password_hash = passwords.hash_password(demo.DEMO_PASSWORD)
    with db.transaction() as s:
        demo.load_demo(s, actor=Actor.system(), password_hash=password_hash)
    print("Données de démonstration chargées.")


def print_demo_accounts() -> None:
    print("Comptes de démonstration (mot de passe pour tous : %s)" % demo.DEMO_PASSWORD)
    for account in demo.DEMO_ACCOUNTS:
        print(f"  - {account.email:<32} {account.role}")


def _create_org(args) -> None:
    with db.transaction() as s:
        org = organizations.create_organization(
            s, actor=Actor.system(), name=args.name, postal_code=args.postal_code, city=args.city
        )
    print(f"Organisation créée : {org.name} (n° {org.id})")


def _report_invitation(invited: invitations.Invited) -> None:
    """The command line asked for this one address: without SMTP, it is the only way the
    temporary password reaches anyone (the outbox shows it masked)."""
    if config.get().smtp_enabled:
        print(f"Invitation envoyée à {invited.email}.")
    else:
        print(f"Invitation créée pour {invited.email} (pas de serveur SMTP : à transmettre à cette personne).")
        print(f"Mot de passe temporaire : {invited.temporary_password}")


def _create_staff(args) -> None:
    with db.transaction() as s:
        org = organizations.get_by_slug(s, organizations.slugify(args.organization))
        if org is None:
            raise DomainError(f"Organisation inconnue : {args.organization}")
        invited = invitations.create_staff(s, actor=Actor.system(), organization_id=org.id,
                                        email=args.email, display_name=args.name, role=args.role)
    _report_invitation(invited)


def _invite(args) -> None:
    with db.transaction() as s:
        org_id = None
        if args.organization:
            org = organizations.get_by_slug(s, organizations.slugify(args.organization))
            if org is None:
                raise DomainError(f"Organisation inconnue : {args.organization}")
            org_id = org.id
        invited = invitations.invite_guardian(s, actor=Actor.system(), email=args.email,
                                           first_name=args.first_name, last_name=args.last_name,
                                           organization_id=org_id)
    _report_invitation(invited)


def _issue_period(args) -> None:
    """Issue a month's invoices (resumes after an interruption, never twice)."""
    with db.read() as s:
        org = organizations.get_by_slug(s, organizations.slugify(args.organization))
        if org is None:
            raise DomainError(f"Organisation inconnue : {args.organization}")
        query = select(StaffMembership.user_id).join(User, User.id == StaffMembership.user_id).where(
            StaffMembership.organization_id == org.id)
        if args.agent:
            query = query.where(User.email == args.agent.strip().lower())
        staff = s.exec(query.order_by(StaffMembership.role, StaffMembership.id)).first()
        if staff is None:
            raise DomainError("Aucun agent de cette organisation ne correspond.")
        actor = auth.actor_for_user(s, user_id=staff)

    def show(progress) -> None:
        print(f"{progress.done}/{progress.total} facture(s)", flush=True)

    result = periods.issue_all(db.transaction, actor=actor, organization_id=org.id, month=args.month,
                               on_progress=show, chunk=args.chunk)
    print(f"Période facturée : {result.done} facture(s).")


def _print_messages(rows) -> None:
    for row in rows:
        print("-" * 72)
        print(f"À : {row.recipient}\nObjet : {row.subject}\nLe : {row.created_at} ({row.status})\n")
        print(row.body)


def _outbox(args) -> None:
    with db.read() as s:
        rows, total = outbox.list_outbox(s, actor=Actor.system(), per_page=args.limit)
    print(f"{total} message(s) dans l'outbox.")
    _print_messages(rows)


def _credentials(args) -> None:
    """Offline fallback: the credentials waiting for one address (printed here only)."""
    with db.read() as s:
        rows = outbox.undelivered_credentials(s, actor=Actor.system(), email=args.email)
    if not rows:
        print(f"Aucun identifiant en attente pour {args.email}.")
    _print_messages(rows)


def _send_mail(_args) -> None:
    print(f"{mail.deliver_pending()} message(s) envoyé(s).")


def _worker(args) -> None:
    """Run jobs in the foreground until stopped (Ctrl+C, SIGTERM)."""
    observability.configure()
    if jobs_backends.backend() == "procrastinate":
        from cityviz.jobs import pg

        pg.run_worker(concurrency=args.concurrency)
        return
    runner = local.Runner()
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        pass


def _jobs(args) -> None:
    if args.run:
        outcomes = jobs.run_due()
        print(f"{len(outcomes)} tâche(s) exécutée(s).")
    with db.read() as s:
        rows = s.exec(select(Job).order_by(col(Job.id).desc()).limit(args.limit)).all()
    for row in rows:
        progress = f" {row.progress_done}/{row.progress_total}" if row.progress_total else ""
        print(f"n° {row.id:<6} {row.status:<9} {row.attempts}/{row.max_attempts} essai(s){progress}  {row.label}"
              + (f" — {row.result}" if row.result else "") + (f" — {row.last_error}" if row.last_error else ""))


def _backup(args) -> None:
    summary = backup.backup(args.file)
    print(f"Sauvegarde écrite : {summary.path} ({summary.database}, {sum(summary.rows.values())} ligne(s), "
          f"{summary.files} fichier(s)).")


def _restore(args) -> None:
    summary = backup.restore(args.file, force=args.force)
    print(f"Sauvegarde restaurée : {sum(summary.rows.values())} ligne(s), {summary.files} fichier(s)"
          + (f", {summary.missing_files} fichier(s) absent(s) de l'archive" if summary.missing_files else "") + ".")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cityviz", description="Cityviz Enfance")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="créer ou mettre à jour la base").set_defaults(func=_migrate)
    sub.add_parser("demo", help="charger les données de démonstration").set_defaults(func=_demo)
    sub.add_parser("demo-accounts", help="lister les comptes de démonstration").set_defaults(
        func=lambda _a: print_demo_accounts())
    p = sub.add_parser("create-org", help="créer une organisation")
    p.add_argument("name")
    p.add_argument("postal_code")
    p.add_argument("city")
    p.set_defaults(func=_create_org)
    p = sub.add_parser("create-staff", help="créer un compte agent et l'inviter")
    p.add_argument("organization", help="nom de l'organisation")
    p.add_argument("email")
    p.add_argument("name", help="nom affiché")
    p.add_argument("--role", choices=["agent", "admin", "animateur", "regisseur"], default="agent")
    p.set_defaults(func=_create_staff)
    p = sub.add_parser("invite", help="inviter un parent (nouveau foyer)")
    p.add_argument("email")
    p.add_argument("first_name")
    p.add_argument("last_name")
    p.add_argument("--organization", help="organisation qui connaît déjà ce foyer")
    p.set_defaults(func=_invite)
    p = sub.add_parser("credentials", help="sans SMTP : afficher les identifiants en attente pour une adresse")
    p.add_argument("email", help="adresse du destinataire")
    p.set_defaults(func=_credentials)
    p = sub.add_parser("outbox", help="afficher les derniers e-mails (identifiants masqués)")
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(func=_outbox)
    sub.add_parser("send-mail", help="envoyer les e-mails en attente (SMTP)").set_defaults(func=_send_mail)
    p = sub.add_parser("issue-period", help="émettre les factures d'un mois (reprend après une interruption)")
    p.add_argument("organization", help="nom de l'organisation")
    p.add_argument("month", help="mois à facturer, par exemple 2026-09")
    p.add_argument("--chunk", type=int, default=periods.CHUNK, help="foyers par transaction")
    p.add_argument("--agent", help="adresse de l'agent au nom duquel émettre (défaut : un administrateur)")
    p.set_defaults(func=_issue_period)
    p = sub.add_parser("worker", help="exécuter les tâches de fond (e-mails, facturation, nuit…) jusqu'à l'arrêt")
    p.add_argument("--concurrency", type=int, default=None, help="tâches menées de front (PostgreSQL)")
    p.set_defaults(func=_worker)
    p = sub.add_parser("jobs", help="lister les dernières tâches de fond")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--run", action="store_true", help="exécuter d'abord celles qui sont dues")
    p.set_defaults(func=_jobs)
    p = sub.add_parser("backup", help="sauvegarder la base et les fichiers déposés dans une archive")
    p.add_argument("file", help="archive à écrire, par exemple /var/backups/cityviz-2026-09-14.tar.gz")
    p.set_defaults(func=_backup)
    p = sub.add_parser("restore", help="restaurer une sauvegarde dans une instance vide")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="remplacer les données d'une instance qui en contient")
    p.set_defaults(func=_restore)
    return parser


# Commands whose work may enqueue jobs (e-mails above all).
_ENQUEUEING = {"demo", "create-staff", "invite", "issue-period", "send-mail"}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
        if args.command in _ENQUEUEING and jobs_backends.backend() == "thread":
            # No server may be running to pick up what this command enqueued (mail…): run it now.
            jobs.run_due()
    except DomainError as exc:
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 1
    except backup.BackupError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    return 0
