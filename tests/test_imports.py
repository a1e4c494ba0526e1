"""Every module of webapp and canvas_sim imports on its own, first, in a fresh interpreter.

An import cycle stays hidden while something else happens to import the modules in a
working order (the app factory, a test's conftest), and breaks the one caller that starts
elsewhere: a worker, a script, `python -m`. Only a fresh interpreter per module shows it.
"""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("webapp", "canvas_sim")
# Each check is a whole interpreter start-up (about half a second of CPU for webapp's libraries);
# a few at once use the cores without swamping a machine others share.
WORKERS = 4


def module_names() -> list[str]:
    """Found by walking the files, because importing a package to list it would test nothing."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def import_error(name: str) -> str | None:
    """The last line of the traceback when `import name` fails on its own, else None."""
    try:
        result = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "did not finish importing within 60 s"
    if result.returncode == 0:
        return None
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


def test_every_module_imports_on_its_own():
    names = module_names()
    assert "canvas_sim.rights" in names and "webapp.web" in names, "module discovery found the wrong files"
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        errors = dict(zip(names, pool.map(import_error, names)))
    failed = {name: error for name, error in errors.items() if error is not None}
    assert not failed, f"{len(failed)} of {len(names)} modules fail when imported first:\n" + "\n".join(
        f"  {name}: {error}" for name, error in failed.items())
