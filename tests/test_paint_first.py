"""The built pages are painted from their HTML first, then React's scripts load (paint_first.py),
on a page laid out as React Router prerenders it."""

from cityviz import paint_first

PAGE = (
    '<!DOCTYPE html><html lang="fr"><head><link as="style" href="/assets/styles-C5j.css" rel="preload"/>'
    '<link rel="modulepreload" href="/assets/manifest-18c4.js"/>'
    '<link rel="modulepreload" href="/assets/entry.client-DMqN.js"/>'
    '<link rel="modulepreload" href="/assets/root-C5KI.js"/>'
    '<link href="/assets/styles-C5j.css" rel="stylesheet" type="text/css"/></head>'
    '<body><main><h1>Connexion</h1></main>'
    '<script>window.__reactRouterContext = {"ssr":false};</script>'
    '<script type="module" async="">import "/assets/manifest-18c4.js";\n'
    'import * as route0 from "/assets/root-C5KI.js";\n'
    'window.__reactRouterRouteModules = {"root":route0};\n'
    'import("/assets/entry.client-DMqN.js");</script></body></html>'
)


def test_preloads_go_and_the_bootstrap_waits_for_the_first_paint():
    html = paint_first.rewrite(PAGE)
    assert "modulepreload" not in html
    assert '<script type="module"' not in html  # nothing the browser would run before painting
    boot = f'<script type="{paint_first.BOOT_TYPE}" id="{paint_first.BOOT_ID}">import "/assets/manifest-18c4.js";'
    # The entry's dynamic import says when it fails (no error event for it): held forms then go.
    assert boot in html and ('import("/assets/entry.client-DMqN.js").catch(function(){window.cvzBootFailed=1});'
                             '</script>' + paint_first.STARTER) in html
    assert "requestAnimationFrame" in paint_first.STARTER and 'visibilityState==="hidden"' in paint_first.STARTER
    # The stylesheet, the page's content and the router's context stay as they were.
    assert '<link href="/assets/styles-C5j.css" rel="stylesheet"' in html
    assert "<h1>Connexion</h1>" in html and "window.__reactRouterContext" in html


def test_a_page_without_react_router_bootstrap_is_left_alone(tmp_path):
    assert paint_first.rewrite("<html><body>Vous êtes hors ligne…</body></html>") is None
    (tmp_path / "connexion").mkdir()
    (tmp_path / "connexion" / "index.html").write_text(PAGE)
    (tmp_path / "offline.html").write_text("<html><body>hors ligne</body></html>")
    assert paint_first.rewrite_pages(tmp_path) == 1
    assert "modulepreload" not in (tmp_path / "connexion" / "index.html").read_text()
    assert (tmp_path / "offline.html").read_text() == "<html><body>hors ligne</body></html>"
