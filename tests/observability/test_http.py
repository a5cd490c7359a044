"""/metrics (protected), /_health (database, Redis, queue), a request id on every answer."""

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from cityviz import clock, config, db, jobs, routes
from cityviz.api import build_api
from cityviz.models import Job, OutboxEmail

pytestmark = pytest.mark.usefixtures("database", "frozen")
LOCAL = ("127.0.0.1", 40000)


def test_metrics_answer_only_the_servers_own_machine_without_a_token():
    assert TestClient(build_api(), client=("203.0.113.9", 40000)).get(routes.METRICS).status_code == 403
    local = TestClient(build_api(), client=LOCAL)
    assert local.get(routes.METRICS, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403  # via a proxy
    answer = local.get(routes.METRICS)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")


def test_metrics_with_a_token_need_it_even_locally(settings):
    settings(metrics_token="un-jeton-assez-long")
    client = TestClient(build_api(), client=LOCAL)
    refused = client.get(routes.METRICS)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert client.get(routes.METRICS, headers={"Authorization": "Bearer faux"}).status_code == 401
    remote = TestClient(build_api(), client=("203.0.113.9", 40000))
    assert remote.get(routes.METRICS, headers={"Authorization": "Bearer un-jeton-assez-long"}).status_code == 200


def test_metrics_describe_the_queue_the_outbox_and_the_pool():
    from tests.jobs import test_execution  # noqa: F401  (registers tests.echo)

    with db.transaction() as s:
        s.add(OutboxEmail(to_address="a@example.org", subject="x", body="", created_at=clock.now()))
        jobs.enqueue(s, "tests.echo", word="plus tard", run_after=clock.now() + timedelta(hours=1))
        jobs.enqueue(s, "tests.echo", word="maintenant")
    TestClient(build_api(), client=LOCAL).get("/fichiers/pdf/facture/1")  # one request of ours, refused
    body = TestClient(build_api(), client=LOCAL).get(routes.METRICS).text
    assert 'cityviz_jobs_in_queue{status="queued"} 1.0' in body
    assert "cityviz_emails_pending 1.0" in body
    assert "cityviz_db_pool_checked_out" in body and "cityviz_database_up 1.0" in body
    assert 'cityviz_jobs_total{job="tests.echo",outcome="succeeded"}' in body
    assert 'cityviz_http_requests_total{route="/fichiers/pdf/{kind}/{item_id}",status="401"}' in body
    assert 'cityviz_http_request_duration_seconds_bucket{le="0.005",route="/fichiers/pdf/{kind}/{item_id}"}' in body


def test_health_checks_the_database_redis_and_the_queue(settings):
    client = TestClient(build_api())
    answer = client.get(routes.HEALTH)
    assert answer.status_code == 200
    assert answer.json() | {"queue_detail": None} == {"status": True, "db": True, "redis": "NA", "queue": True,
                                                      "queue_detail": None}
    settings(redis_url="redis://127.0.0.1:6379/5")
    assert client.get(routes.HEALTH).json()["redis"] is True
    settings(redis_url="redis://127.0.0.1:1/5")  # nothing listens there
    answer = client.get(routes.HEALTH)
    assert answer.status_code == 503 and answer.json()["redis"] is False and answer.json()["db"] is True


def test_health_fails_when_due_jobs_wait_for_too_long(frozen):
    with db.transaction() as s:
        s.add(Job(name="tests.echo", label="Écho", status="queued", run_after=clock.now(), created_at=clock.now()))
    frozen.shift(timedelta(minutes=16))
    answer = TestClient(build_api()).get(routes.HEALTH)
    assert answer.status_code == 503
    assert answer.json()["queue"] is False and answer.json()["queue_detail"]["oldest_due_seconds"] == 960


def test_every_answer_carries_a_request_id():
    client = TestClient(build_api())
    mine = client.get(routes.HEALTH).headers["x-request-id"]
    assert len(mine) == 16 and mine != client.get(routes.HEALTH).headers["x-request-id"]
    assert client.get(routes.HEALTH, headers={"X-Request-ID": "proxy-42"}).headers["x-request-id"] == "proxy-42"
    forged = client.get(routes.HEALTH, headers={"X-Request-ID": "<script>"}).headers["x-request-id"]
    assert forged != "<script>" and len(forged) == 16


def test_several_server_processes_add_up_in_multiprocess_mode(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR (several Granian workers), a scrape counts every process."""
    import os
    import subprocess
    import sys

    samples = tmp_path / "prometheus"  # a directory of its own: every *.db file in it is read as samples
    samples.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(samples), "CITYVIZ_DATA_DIR": str(tmp_path / "data")}
    count = "from cityviz.observability import metrics; metrics.EVENTS.labels('CalendarState.load', 'ok').inc()"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, cwd=config.ROOT)
    scrape = "from cityviz.observability import metrics; print(metrics.render().decode())"
    done = subprocess.run([sys.executable, "-c", scrape], env=env, capture_output=True, text=True,
                          cwd=config.ROOT)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert 'cityviz_events_total{handler="CalendarState.load",outcome="ok"} 2.0' in out
