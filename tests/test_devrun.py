"""`make run` (scripts/devrun.py) keeps its worker: one that dies is told of at once and started again
after a pause, under a new name, instead of stopping the whole stack (issue 26)."""

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _devrun():
    spec = importlib.util.spec_from_file_location("devrun", ROOT / "scripts" / "devrun.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_worker_that_dies_is_told_of_and_started_again_after_a_pause(tmp_path):
    devrun = _devrun()
    starts = tmp_path / "starts"
    # A "worker" that notes the name it was given and dies at once, as one killed at start would.
    command = [sys.executable, "-c", f"import sys; open({str(starts)!r}, 'a').write(sys.argv[2] + '\\n'); sys.exit(3)"]
    died: list[str] = []
    kept = devrun.KeptWorker(command, dict(os.environ), died.append)

    kept.start(now=0)
    kept.process.wait()
    kept.check(now=1)
    first = starts.read_text().split()
    assert died == first and len(first) == 1  # told at once, by the name it ran under
    kept.check(now=5)
    assert kept.process is None  # still pausing: meanwhile the home page says it stopped
    kept.check(now=1 + 2 * devrun.KeptWorker.RESTART_AFTER)  # died soon after starting: a longer pause
    kept.process.wait()
    names = starts.read_text().split()
    assert len(names) == 2 and names[1] != names[0]  # a successor, under a name of its own
    kept.check(now=12)
    assert died == names and kept.pause == 4 * devrun.KeptWorker.RESTART_AFTER
