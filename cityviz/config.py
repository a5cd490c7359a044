"""Settings, read from the environment in one place.

Every setting has a default that works for `make run` on a laptop: SQLite
under data/, no SMTP (mail goes to the outbox), one worker.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
JOB_BACKENDS = ("eager", "thread", "procrastinate")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    public_url: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    mail_from: str
    bcrypt_rounds: int
    secure_cookies: bool
    redis_url: str
    fake_now: str
    jobs_backend: str  # eager, thread, procrastinate (see cityviz/jobs/backends.py)
    worker_concurrency: int
    metrics_token: str
    log_format: str  # json, console
    log_level: str
    demo_payments: bool = False  # the bank simulator and eopayment's dummy backend (demonstrations only)

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def is_postgresql(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """The origins (scheme://host[:port]) whose pages may act as a user: the public URL's
        only — Reflex's websocket and every HTTP route that changes something check it. On a
        loopback address (`make run`), its other loopback names on the same port too."""
        parts = urlsplit(self.public_url)
        port = f":{parts.port}" if parts.port else ""
        host = (parts.hostname or "").lower()
        hosts = [host]
        if host in _LOOPBACK:
            hosts += [h for h in _LOOPBACK if h != host]
        return tuple(f"{parts.scheme}://{'[' + h + ']' if ':' in h else h}{port}" for h in hosts)


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def load() -> Settings:
    env = os.environ
    data_dir = Path(env.get("CITYVIZ_DATA_DIR") or ROOT / "data")
    public_url = (env.get("CITYVIZ_PUBLIC_URL") or "http://localhost:3000").rstrip("/")
    database_url = env.get("CITYVIZ_DATABASE_URL") or f"sqlite:///{data_dir / 'cityviz.db'}"
    # PostgreSQL (production): procrastinate workers; SQLite alone: a runner inside the server.
    jobs = (env.get("CITYVIZ_JOBS") or ("procrastinate" if database_url.startswith("postgresql") else "thread"))
    if jobs not in JOB_BACKENDS:
        raise ValueError(f"CITYVIZ_JOBS must be one of {', '.join(JOB_BACKENDS)}")
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        public_url=public_url,
        smtp_host=env.get("CITYVIZ_SMTP_HOST", ""),
        smtp_port=int(env.get("CITYVIZ_SMTP_PORT") or 25),
        smtp_user=env.get("CITYVIZ_SMTP_USER", ""),
        smtp_password=env.get("CITYVIZ_SMTP_PASSWORD", ""),
        smtp_starttls=_bool(env.get("CITYVIZ_SMTP_STARTTLS"), False),
        mail_from=env.get("CITYVIZ_MAIL_FROM") or "Cityviz Enfance <ne-pas-repondre@cityviz.local>",
        bcrypt_rounds=int(env.get("CITYVIZ_BCRYPT_ROUNDS") or 12),
        secure_cookies=_bool(env.get("CITYVIZ_SECURE_COOKIES"), public_url.startswith("https://")),
        redis_url=env.get("CITYVIZ_REDIS_URL", ""),
        fake_now=env.get("CITYVIZ_FAKE_NOW", ""),
        jobs_backend=jobs,
        worker_concurrency=int(env.get("CITYVIZ_WORKER_CONCURRENCY") or 4),
        metrics_token=env.get("CITYVIZ_METRICS_TOKEN", ""),
        log_format=(env.get("CITYVIZ_LOG_FORMAT") or "json").lower(),
        log_level=(env.get("CITYVIZ_LOG_LEVEL") or "INFO").upper(),
        demo_payments=_bool(env.get("CITYVIZ_DEMO_PAYMENTS"), False),
    )


@functools.cache
def get() -> Settings:
    return load()


def reload() -> Settings:
    """Forget the cached settings (tests change the environment)."""
    get.cache_clear()
    return get()
