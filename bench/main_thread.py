"""How long a phone's main thread is blocked while a page loads: two served builds, side by side.

Lighthouse's performance score on this 2-core machine moves by 10–20 points between two runs of
the same build (its Total Blocking Time is simulated from one unthrottled trace), too much to see
what one change does. This measures the quantity behind TBT directly and alternates the two
builds, so that both see the same neighbours:

- Chromium (Playwright) at 390×844, its CPU slowed 4× like Lighthouse's mobile preset;
- the page loaded as a logged-in parent (a session opened in each build's own database);
- a devtools trace of the renderer's main thread for 7 s: the sum, over the tasks longer than
  50 ms, of what exceeds 50 ms (TBT's definition, here over the whole load), and the longest task.

    make run                                          # the build to measure, on :3000
    (cd ../other-checkout && make run PORT=3001)      # the baseline, e.g. the previous main
    .venv/bin/python bench/main_thread.py \\
        new=http://localhost:3000@sqlite:///data/cityviz.db \\
        old=http://localhost:3001@sqlite:////path/to/other-checkout/data/cityviz.db \\
        [--pages /reservations,/factures] [--rounds 4] [--parent audrey.noiret@example.org]

Prints each round, then the medians per page and build.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHONE = {"width": 390, "height": 844}
LONG_US = 50_000  # a long task, in the trace's microseconds


def session_token(database_url: str, parent: str) -> str:
    """A session of the demo parent, opened in that build's database (a subprocess: each build
    has its own engine and settings)."""
    code = ("import sys\nfrom cityviz import db\nfrom cityviz.services.accounts import auth\n"
            "r = auth.login(email=sys.argv[1], password='demo-cityviz-2026', ip='127.0.0.9')\n"
            "with db.transaction() as s:\n    print(auth.exchange_ticket(s, ticket=r.ticket))\n")
    out = subprocess.run([sys.executable, "-c", code, parent], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "CITYVIZ_DATABASE_URL": database_url}, check=True)
    return out.stdout.strip()


def blocking(browser, base_url: str, token: str, path: str) -> tuple[float, float]:
    """(blocking ms over 50 ms, longest task ms) of one load of `path`."""
    context = browser.new_context(viewport=PHONE)
    context.add_cookies([{"name": "cvz_session", "value": token, "url": base_url}])
    page = context.new_page()
    browser.start_tracing(page=page, categories=["devtools.timeline", "disabled-by-default-devtools.timeline"])
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    page.goto(base_url + path)
    time.sleep(7)
    trace = json.loads(browser.stop_tracing())
    context.close()
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    main = {(e["pid"], e["tid"]) for e in events
            if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"}
    tasks = [e["dur"] for e in events if (e["pid"], e["tid"]) in main and e.get("name") == "RunTask"
             and e.get("ph") == "X"]
    return sum(d - LONG_US for d in tasks if d > LONG_US) / 1000, max(tasks, default=0) / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("builds", nargs="+", help="label=BASE_URL@DATABASE_URL")
    parser.add_argument("--pages", default="/reservations,/factures")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--parent", default="audrey.noiret@example.org")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    builds = []
    for spec in args.builds:
        label, rest = spec.split("=", 1)
        base_url, database_url = rest.split("@", 1)
        builds.append((label, base_url.rstrip("/"), session_token(database_url, args.parent)))
    results: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROME_PATH", "/usr/bin/chromium"),
                                    args=["--no-sandbox"])
        for n in range(1, args.rounds + 1):
            for path in args.pages.split(","):
                line = []
                for label, base_url, token in builds:  # alternated: the same neighbours for each
                    ms, longest = blocking(browser, base_url, token, path)
                    results[(path, label)].append((ms, longest))
                    line.append(f"{label} {ms:6.0f} ms (longest {longest:4.0f})")
                print(f"round {n} {path:14} " + "   ".join(line), flush=True)
        browser.close()
    print("\nMedians (blocking time over 50 ms, longest task), 4x CPU, 390x844:")
    for (path, label), values in sorted(results.items()):
        print(f"  {path:14} {label:8} {statistics.median(v[0] for v in values):6.0f} ms   "
              f"{statistics.median(v[1] for v in values):5.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
