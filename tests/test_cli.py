import pytest
from sqlmodel import func, select

from cityviz import cli, db, demo
from cityviz.models import Activity, Organization, User
from cityviz.services.accounts import auth

pytestmark = pytest.mark.usefixtures("database", "frozen")


def test_demo_is_idempotent_and_its_accounts_log_in(capsys):
    assert cli.main(["demo"]) == 0
    assert cli.main(["demo"]) == 0
    with db.read() as s:
        orgs = s.exec(select(Organization).order_by(Organization.name)).all()
        assert [(o.name, o.postal_code, o.is_demo) for o in orgs] == [
            ("Bretteville-sur-Odon", "14760", True), ("Démostars-sur-Mer", "17999", True)]
        assert s.exec(select(func.count()).select_from(User)).one() == len(demo.DEMO_ACCOUNTS)
        names = sorted(a.name for a in s.exec(select(Activity).where(Activity.organization_id == orgs[1].id)))
        assert names == ["Accueil de loisirs du mercredi", "Garderie du matin", "Garderie du soir",
                         "Restauration scolaire"]
    for account in demo.DEMO_ACCOUNTS:
        assert auth.login(email=account.email, password=demo.DEMO_PASSWORD, ip=account.email).ticket


def test_create_org_staff_and_invite_print_the_temporary_password(capsys):
    assert cli.main(["create-org", "Bretteville-sur-Odon", "14760", "Bretteville-sur-Odon"]) == 0
    assert cli.main(["create-staff", "Bretteville-sur-Odon", "agent@mairie.fr", "Jeanne Agent"]) == 0
    out = capsys.readouterr().out
    temporary = out.split("Mot de passe temporaire : ")[1].split()[0]
    result = auth.login(email="agent@mairie.fr", password=temporary)
    assert result.password_change_required
    assert cli.main(["invite", "parent@example.org", "Paul", "Durand", "--organization",
                     "Bretteville-sur-Odon"]) == 0
    assert "Mot de passe temporaire" in capsys.readouterr().out
    assert cli.main(["outbox", "--limit", "1"]) == 0
    assert "parent@example.org" in capsys.readouterr().out


def test_errors_are_reported_in_french_with_a_failing_status(capsys):
    assert cli.main(["create-org", "X", "123", "X"]) == 1
    assert "Le code postal doit comporter 5 chiffres." in capsys.readouterr().err
    assert cli.main(["create-staff", "Inconnue", "a@b.fr", "A"]) == 1


def test_backup_and_a_refused_restore_from_the_command_line(capsys, tmp_path):
    assert cli.main(["demo"]) == 0
    capsys.readouterr()
    archive = tmp_path / "cityviz.tar.gz"
    assert cli.main(["backup", str(archive)]) == 0
    assert f"Sauvegarde écrite : {archive}" in capsys.readouterr().out
    assert cli.main(["restore", str(archive)]) == 1
    assert "contient déjà des données" in capsys.readouterr().err
    assert cli.main(["restore", str(archive), "--force"]) == 0
    assert "Sauvegarde restaurée" in capsys.readouterr().out


def test_jobs_lists_the_latest_and_runs_the_due_ones(capsys):
    from cityviz import jobs
    from tests.jobs import test_execution  # noqa: F401  (registers tests.echo)

    with db.transaction() as s:
        jobs.enqueue(s, "tests.echo", word="cli")
    assert cli.main(["jobs", "--run"]) == 0
    out = capsys.readouterr().out
    assert "Écho — cli ×3" in out and "succeeded" in out
