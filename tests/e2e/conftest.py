"""Browser journeys against the production build, served as `make run` does.

One server per test session, on its own port and its own SQLite database
with the demo data, its clock set by CITYVIZ_FAKE_NOW so that nothing
depends on today's date.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from cityviz import config, db

# A page that answers within a second on a quiet machine can take several on a loaded
# 2-core CI machine (the server, its job runner and Chromium share the cores).
expect.set_options(timeout=15_000)

ROOT = config.ROOT
FAKE_NOW = "2026-10-05T10:00:00+02:00"  # a Monday in term time
SCREENSHOTS = ROOT / "screenshots"  # test-results/ is emptied by pytest-playwright
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, base_url: str, env: dict[str, str], database_url: str):
        self.base_url = base_url
        self.env = env
        self.database_url = database_url

    def cli(self, *args: str) -> str:
        """Run `python -m cityviz …` against the server's database; returns stdout."""
        done = subprocess.run([sys.executable, "-m", "cityviz", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, check=True)
        return done.stdout

    def engine(self):
        return db.make_engine(self.database_url)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e-data")
    port = int(os.environ.get("CITYVIZ_E2E_PORT") or _free_port())  # a port of one's own on a shared machine
    database_url = f"sqlite:///{data / 'cityviz.db'}"
    env = {
        **os.environ,
        "CITYVIZ_DATABASE_URL": database_url,
        "CITYVIZ_DATA_DIR": str(data),
        "CITYVIZ_FAKE_NOW": FAKE_NOW,
        "CITYVIZ_PUBLIC_URL": f"http://localhost:{port}",
        "CITYVIZ_BCRYPT_ROUNDS": "12",
        "CITYVIZ_JOBS": "thread",  # the runner inside the server, as `make run`
        "CITYVIZ_DEMO_PAYMENTS": "1",  # the demo towns pay through the bank simulator, as `make run`
        "REFLEX_BUN_PATH": str(ROOT / ".tools/node_modules/.bin/bun"),
        "NPM_CONFIG_REGISTRY": os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/"),
        "REFLEX_CHECK_LATEST_VERSION": "0",
        "REFLEX_TELEMETRY_ENABLED": "false",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    reflex = Path(sys.executable).parent / "reflex"
    srv = Server(f"http://localhost:{port}", env, database_url)
    srv.cli("migrate")
    srv.cli("demo")
    log = open(data / "server.log", "w")
    process = subprocess.Popen(
        [str(reflex), "run", "--env", "prod", "--single-port", "--frontend-port", str(port),
         "--backend-port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while True:
        try:
            urllib.request.urlopen(f"{srv.base_url}/ping", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("Le serveur n'a pas démarré :\n" + (data / "server.log").read_text()[-4000:])
            time.sleep(1)
    yield srv
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if Path(chromium).exists():
        return {**browser_type_launch_args, "executable_path": chromium}
    return browser_type_launch_args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris",
            "viewport": PHONE}


@pytest.fixture
def shoot(request):
    """shoot(page, "step") saves a screenshot under screenshots/ (not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, step: str, full_page: bool = True) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{step}.png"), full_page=full_page)

    return take


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def quick_menu(page: Page, item: str, trigger: str = "Menu du compte") -> None:
    """Choose `item` in the quick menu behind the initials. The page re-renders when its data
    arrives just after the heading shows, which can close a menu opened in that instant: open
    it again then, as a person would."""
    for _ in range(4):
        page.get_by_role("button", name=trigger).click()
        entry = page.get_by_role("menuitem", name=item)
        try:
            entry.wait_for(state="visible", timeout=4000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        entry.click()
        return
    raise AssertionError(f"« {item} » never showed in the quick menu")


# True once React has taken the page over: every control carries its props (the page is painted
# from its prerendered HTML first, cityviz/paint_first.py). A page that is not one of React's
# (the offline page) has no bootstrap and counts as ready.
_REACT_READY = """() => {
  if (!document.getElementById('cvz-boot')) return document.readyState !== 'loading';
  const own = (el, prefix) => Object.keys(el).some(k => k.startsWith(prefix));
  if (!own(document.body, '__reactFiber')) return false;
  return [...document.querySelectorAll('form, button, input, select, textarea')]
    .every(el => own(el, '__reactProps'));
}"""


def hydrated(page: Page) -> None:
    """Wait until React has taken over the page. Pages are painted before their scripts run: a
    click then does nothing and a form is sent by the browser itself (to a harmless address that
    sends the page back), as it would for a person acting in that instant."""
    page.wait_for_function(_REACT_READY, timeout=30_000)


_goto, _reload = Page.goto, Page.reload


def _goto_hydrated(self, url, *, hydrate: bool = True, **kwargs):
    """page.goto, then wait for React (hydrate=False: a test that keeps React away on purpose)."""
    response = _goto(self, url, **kwargs)
    if hydrate:
        hydrated(self)
    return response


def _reload_hydrated(self, *, hydrate: bool = True, **kwargs):
    response = _reload(self, **kwargs)
    if hydrate:
        hydrated(self)
    return response


Page.goto, Page.reload = _goto_hydrated, _reload_hydrated
