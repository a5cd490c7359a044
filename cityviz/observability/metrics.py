"""Prometheus metrics (prometheus-client).

Counters and histograms are updated where things happen (events, requests,
jobs); the gauges that describe the database — connection pool, jobs waiting,
e-mails pending — are read when Prometheus scrapes. With several server
processes set PROMETHEUS_MULTIPROC_DIR (an empty directory per deployment):
each process writes its samples there and a scrape adds them up.
"""

from __future__ import annotations

import os
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlmodel import col, func, select

from cityviz import clock, db

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

EVENTS = Counter("cityviz_events", "Reflex events handled, by handler and outcome (ok, refused, redirect, error)",
                 ["handler", "outcome"])
EVENT_SECONDS = Histogram("cityviz_event_duration_seconds", "Time to handle a Reflex event", ["handler"],
                          buckets=SECONDS)
REQUESTS = Counter("cityviz_http_requests", "HTTP requests to our endpoints, by route and status", ["route", "status"])
REQUEST_SECONDS = Histogram("cityviz_http_request_duration_seconds", "Time to answer an HTTP request", ["route"],
                            buckets=SECONDS)
JOBS = Counter("cityviz_jobs", "Job runs, by job and outcome (succeeded, retrying, failed, rescheduled)",
               ["job", "outcome"])
JOB_SECONDS = Histogram("cityviz_job_duration_seconds", "Time a job run took", ["job"],
                        buckets=(*SECONDS, 60.0, 300.0, 900.0))


class DatabaseCollector(Collector):
    """Read at scrape time: this process's connection pool, the queue, the outbox."""

    def collect(self):
        yield from self._pool()
        try:
            yield from self._tables()
        except Exception:  # noqa: BLE001  (a scrape must answer even when the database does not)
            up = GaugeMetricFamily("cityviz_database_up", "1 if the database answered the scrape")
            up.add_metric([], 0)
            yield up

    def _pool(self):
        pool = db.get_engine().pool
        size = GaugeMetricFamily("cityviz_db_pool_size", "Connections the pool keeps open at most (without overflow)")
        used = GaugeMetricFamily("cityviz_db_pool_checked_out", "Connections in use by this process")
        idle = GaugeMetricFamily("cityviz_db_pool_idle", "Open connections waiting in the pool")
        overflow = GaugeMetricFamily("cityviz_db_pool_overflow", "Connections opened beyond the pool size")
        for family, reader in ((size, "size"), (used, "checkedout"), (idle, "checkedin"), (overflow, "overflow")):
            value = getattr(pool, reader, None)
            if callable(value):
                family.add_metric([], max(0, value()))
                yield family

    def _tables(self):
        from cityviz.jobs.execution import WAITING
        from cityviz.models import Job, OutboxEmail
        from cityviz.services.email import MAX_ATTEMPTS

        now = clock.now()
        with db.read() as s:
            by_status = dict(s.exec(select(Job.status, func.count()).where(
                col(Job.status).in_([*WAITING, "running", "failed"])).group_by(Job.status)).all())
            oldest = s.exec(select(func.min(Job.run_after)).where(col(Job.status).in_(WAITING),
                                                                 col(Job.run_after) <= now)).one()
            pending = s.exec(select(func.count()).select_from(OutboxEmail).where(
                col(OutboxEmail.sent_at).is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)).one()
            undeliverable = s.exec(select(func.count()).select_from(OutboxEmail).where(
                col(OutboxEmail.sent_at).is_(None), OutboxEmail.attempts >= MAX_ATTEMPTS)).one()
        jobs = GaugeMetricFamily("cityviz_jobs_in_queue", "Jobs by state (queued, retrying, running, failed)",
                                 labels=["status"])
        for status in (*WAITING, "running", "failed"):
            jobs.add_metric([status], by_status.get(status, 0))
        yield jobs
        late = GaugeMetricFamily("cityviz_jobs_oldest_due_seconds", "How long the oldest due job has waited")
        late.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        yield late
        mails = GaugeMetricFamily("cityviz_emails_pending", "E-mails not sent yet (kept in the outbox without SMTP)")
        mails.add_metric([], pending)
        yield mails
        failed = GaugeMetricFamily("cityviz_emails_undeliverable", "E-mails given up after every attempt")
        failed.add_metric([], undeliverable)
        yield failed
        up = GaugeMetricFamily("cityviz_database_up", "1 if the database answered the scrape")
        up.add_metric([], 1)
        yield up


_DATABASE = DatabaseCollector()


def render() -> bytes:
    """The text a scrape returns (this process, or every process in multiprocess mode)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        registry.register(_DATABASE)
        return generate_latest(registry)
    registry.register(_DATABASE)
    return generate_latest(REGISTRY) + generate_latest(registry)


STALE_QUEUE = timedelta(minutes=15)
