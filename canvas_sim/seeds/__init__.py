"""Seeds: `"demo"` (the demo RTO's course, see demo.json), a JSON file path, or a dict.

The format is the plain spec of `canvas_sim.specs`; demo.json is an ordinary seed,
kept in step with `webapp/services/setup/demo_data.py` by a test.
"""

import json
from pathlib import Path

DEMO = Path(__file__).with_name("demo.json")
# Grades for the demo class once the transfer has enrolled it (POST /sim/api/courses/55/demo_grades).
DEMO_GRADES = Path(__file__).with_name("demo_grades.json")


def load_seed(seed: str | Path | dict | None) -> dict:
    if seed is None:
        return {}
    if isinstance(seed, dict):
        return seed
    path = DEMO if seed == "demo" else Path(seed)
    return json.loads(path.read_text(encoding="utf-8"))
