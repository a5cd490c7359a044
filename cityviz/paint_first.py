"""Paint first, then hydrate: a post-build step over the prerendered pages.

Reflex prerenders every page (React Router's `prerender`), so the HTML already holds the page's
heading, text and skeleton. But as built, each page also asks for its whole JavaScript at once
(35 `<link rel="modulepreload">` at high priority, about 280 KB compressed) and starts React's
bootstrap as soon as it has arrived: on a phone's slow link the scripts share the bandwidth with
the stylesheet the first paint waits for, and the main thread is busy evaluating them when the
page could be drawn.

This step rewrites each built page (before Reflex compresses it) so that:

- the module preloads are gone;
- React Router's bootstrap (`<script type="module">` importing the route modules, then the
  client entry) is kept inert in the page and started by a small inline script once the page has
  been painted (when the browser reports its first contentful paint; at once in a hidden tab,
  where nothing is painted; after a few seconds whatever happens).

What the browser fetches and runs is unchanged, only later: the page is drawn from the HTML and
the stylesheet alone, then React takes it over. A form sent in that window is held, then sent
through the page once React owns it (HOLD below); if the scripts never come, the browser sends it
to a harmless address (components/forms.safe_form), never a GET with the fields in the URL.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import reflex as rx

log = logging.getLogger(__name__)

BOOT_ID = "cvz-boot"
BOOT_TYPE = "text/cvz-module"  # not a script type the browser runs: kept for the starter below
_PRELOAD = re.compile(r'<link rel="modulepreload" href="[^"]*"/>')
_BOOT = re.compile(r'<script type="module" async="">(.*?)</script>', re.S)
_ENTRY_IMPORT = re.compile(r'import\("[^"]*entry\.client[^"]*"\)')
# The bootstrap re-inserted as a module script once the page has been painted: when the browser
# reports the first contentful paint (it does so once the frame is on screen), or after the next
# animation frame where paint timing is missing; at once in a hidden tab, where nothing is painted.
# A fallback after FALLBACK_MS starts it whatever happens (a page that never paints still works).
FALLBACK_MS = 4000
# A form sent before React can take it (a quick tap on a slow phone) is held, not sent by the
# browser (which would come back from the harmless address with the fields empty, without a
# word). Whether React took a submit is read from its outcome, at the window, after every handler:
# the page's handlers all call preventDefault. Until one does, the held form is sent again every
# 150 ms (hydration may be under way). Scripts that fail to load, or HOLD_MS without React, let the
# browser send it (the harmless address, as before).
HOLD_MS = 15000
HOLD = (
    "var held=[],failed=0;"
    "function release(f){var i=held.indexOf(f);if(i<0)return;held.splice(i,1);clearInterval(f.cvzHold);"
    "f.removeAttribute(\"aria-busy\")}"
    "window.addEventListener(\"submit\",function(e){var f=e.target,s=e.submitter;"
    "if(e.defaultPrevented){release(f);return}"
    "if(failed||window.cvzBootFailed)return;e.preventDefault();if(held.indexOf(f)>=0)return;"
    "held.push(f);f.setAttribute(\"aria-busy\",\"true\");var t0=Date.now();"
    "f.cvzHold=setInterval(function(){if(!f.isConnected){release(f);return}"
    f"if(failed||window.cvzBootFailed||Date.now()-t0>{HOLD_MS}){{release(f);f.submit();return}}"
    "if(f.requestSubmit)f.requestSubmit(s&&s.isConnected&&s.form===f?s:null)},150)});"
)
STARTER = (
    "<script>(function(){var b=document.getElementById(\"" + BOOT_ID + "\"),d=0;" + HOLD +
    "function go(){if(d)return;d=1;var s=document.createElement(\"script\");s.type=\"module\";"
    "s.onerror=function(){failed=1};s.textContent=b.textContent;document.body.appendChild(s)}"
    "function soon(){setTimeout(go,0)}"
    "if(document.visibilityState===\"hidden\"){soon();return}"
    f"setTimeout(go,{FALLBACK_MS});"
    "try{if(PerformanceObserver.supportedEntryTypes.indexOf(\"paint\")>=0){"
    "new PerformanceObserver(function(l,o){if(l.getEntriesByName(\"first-contentful-paint\").length)"
    "{o.disconnect();soon()}}).observe({type:\"paint\",buffered:true});return}}catch(e){}"
    "requestAnimationFrame(soon)})()</script>"
)


def rewrite(html: str) -> str | None:
    """The page with its bootstrap deferred after the first paint; None when the page is not one
    React Router built (no bootstrap found), so that it is left as it is."""
    boot = _BOOT.search(html)
    if boot is None or "entry.client" not in boot.group(1):
        return None
    # React's entry is a dynamic import: its failure fires no error event on the script, so it says so.
    code = _ENTRY_IMPORT.sub(r'\g<0>.catch(function(){window.cvzBootFailed=1})', boot.group(1))
    deferred = f'<script type="{BOOT_TYPE}" id="{BOOT_ID}">{code}</script>{STARTER}'
    html = html[:boot.start()] + deferred + html[boot.end():]
    return _PRELOAD.sub("", html)


def rewrite_pages(static_dir: Path) -> int:
    """Rewrite every built page in place; returns how many were rewritten."""
    count = 0
    for page in static_dir.rglob("*.html"):
        rewritten = rewrite(page.read_text(encoding="utf-8"))
        if rewritten is not None:
            page.write_text(rewritten, encoding="utf-8")
            count += 1
    if count == 0:
        log.warning("paint_first: no page rewritten under %s (React Router's output changed?)", static_dir)
    return count


class PaintFirst(rx.plugins.Plugin):
    """rxconfig plugin: runs `rewrite_pages` after each production build, before compression."""

    def post_build(self, **context) -> None:
        rewrite_pages(context["static_dir"])
