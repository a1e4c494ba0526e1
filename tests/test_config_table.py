"""The README's configuration table lists exactly the CANVASLINK_ settings the code reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"CANVASLINK_[A-Z_]*[A-Z]")


def _read_by_code() -> set[str]:
    files = [*ROOT.joinpath("webapp").rglob("*.py"), *ROOT.joinpath("canvas_sim").rglob("*.py"),
             *ROOT.joinpath("scripts").glob("*"), ROOT / "worker.py"]
    return {name for path in files if path.is_file() for name in NAME.findall(path.read_text())}


def _documented() -> set[str]:
    readme = ROOT.joinpath("README.md").read_text()
    section = readme.split("## Configuration", 1)[1]
    table = section[section.index("| variable |"):].split("\n\n", 1)[0]
    return {name for row in table.splitlines() if row.startswith("| `") for name in NAME.findall(row.split("|")[1])}


def test_every_setting_the_code_reads_is_in_the_readme_table_and_nothing_else():
    read, documented = _read_by_code(), _documented()
    assert read, "no CANVASLINK_ setting found in the code: the scan is broken"
    assert read - documented == set(), "read by the code but missing from the README's configuration table"
    assert documented - read == set(), "in the README's configuration table but read nowhere"
