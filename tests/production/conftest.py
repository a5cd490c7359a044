"""The production topology's journey (scripts/test-prod, `make test-prod`): a browser against
the app served by two granian workers on PostgreSQL and Redis, with a jobs worker. Collected
only when scripts/test-prod started that topology (CITYVIZ_PROD_URL), not by `make test`."""

from __future__ import annotations

import os

from tests.e2e.conftest import browser_context_args, browser_type_launch_args, shoot  # noqa: F401

if not os.environ.get("CITYVIZ_PROD_URL"):
    collect_ignore_glob = ["test_*.py"]
