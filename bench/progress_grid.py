"""How quick is the class progress picture for 40 students × 12 units? (a script that prints figures)

Builds a throw-away SQLite database with one linked occurrence of 40 transferred students, 12 units
and 4 tasks (16 mapped modules), and one download of their module states (the shape
bench/review_10k.py seeds), then times /occurrences/1/progress. Goal: under 150 ms. The page makes no
Canvas call: the integration's address is not even reachable.

    .venv/bin/python bench/progress_grid.py [--students 40] [--units 12]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--units", type=int, default=12)
    args = parser.parse_args()
    from bench._instance import signed_in_client
    from bench.review_10k import _seed

    client, _ = signed_in_client(lambda db: _seed(db, 1, args.students, unit_count=args.units))
    url = "/occurrences/1/progress"
    client.get(url)  # warm the caches once, as a second visit would
    times = []
    for _ in range(10):
        begin = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200 and response.get_data(as_text=True).count('class="pcell s-') >= \
            args.students * args.units
    print(json.dumps({"students": args.students, "units": args.units, "median_ms": round(statistics.median(times), 1),
                      "max_ms": round(max(times), 1), "goal_ms": 150}))


if __name__ == "__main__":
    main()
