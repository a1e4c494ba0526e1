"""axe-core in the test browser: the accessibility rules staff with a screen reader or a keyboard rely on.

axe is a test asset only (tests/e2e/assets, vendored from npm at a pinned version). It is put into the
page through Playwright's evaluate, which the app's Content-Security-Policy does not govern, so the
app's pages never load it and its CSP stays "scripts from this site only".
"""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "assets" / "axe-4.14.1.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")


def axe_violations(page, impacts=BLOCKING) -> list[dict]:
    """Every axe violation of the page as it is now whose impact is in `impacts`."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in violations if v["impact"] in impacts]


def describe(where: str, violations: list[dict]) -> list[str]:
    """One readable line per violation: where, the rule, its impact and the first elements it names."""
    return [f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes) {v['help']} — "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3]) for v in violations]
