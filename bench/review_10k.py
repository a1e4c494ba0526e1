"""How quick is the bulk review with 10,000 staged students? (a script that prints figures)

Builds a throw-away SQLite database with 500 linked occurrences × 20 transferred students
(6 units, 4 tasks, 10 mapped modules each), one finished bulk download with 10,000 staged
module-state rows, then times the review page as staff use it: the first page, a page deep
in the list, one occurrence, and "to save" only. Prints one JSON line of milliseconds.

    .venv/bin/python bench/review_10k.py [--occurrences 500] [--students 20]
"""

import argparse
import json
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--occurrences", type=int, default=500)
    parser.add_argument("--students", type=int, default=20)
    args = parser.parse_args()
    from bench._instance import signed_in_client

    started = time.perf_counter()
    client, run_id = signed_in_client(lambda db: _seed(db, args.occurrences, args.students))
    seed_s = time.perf_counter() - started
    base = f"/utilities/canvas-results/runs/{run_id}/review?start_rule=enrolment"
    timings = {}
    for name, url in (("first_page", base), ("page_100", base + "&page=100"),
                      ("one_occurrence", base + "&occurrence=250"), ("to_save_only", base + "&show=change")):
        client.get(url)  # warm the caches once, as a second visit would
        begin = time.perf_counter()
        response = client.get(url)
        timings[name + "_ms"] = round((time.perf_counter() - begin) * 1000, 1)
        assert response.status_code == 200, (url, response.status_code)
    print(json.dumps({"staged_rows": args.occurrences * args.students, "seed_s": round(seed_s, 1), **timings}))


def _seed(db, occurrences: int, students: int, unit_count: int = 6) -> int:
    """Bulk inserts, in the shape the app makes them (`unit_count` units per occurrence, at least 4)."""
    from webapp.models import (
        CanvasModule, Client, Enrolment, EnrolmentStatus, EnrolmentTask, EnrolmentTransfer, JobRun, LmsIntegration,
        ModuleStateDownload, Occurrence, OccurrenceLink, OccurrenceStatus, Task, TaskStatus, TaskUnit,
        TrainingPlanUnit, Unit,
    )
    from webapp.services.integrations.wizard import defaults

    now = datetime(2026, 11, 1)
    active = db.session.scalar(db.select(OccurrenceStatus).where(OccurrenceStatus.name == "In progress"))
    enrolled = db.session.scalar(db.select(EnrolmentStatus).where(EnrolmentStatus.name == "Enrolled"))
    not_started = db.session.scalar(db.select(TaskStatus).where(TaskStatus.name == "Not started"))
    integration = LmsIntegration(**(defaults() | {"name": "Bench", "base_url": "https://canvas.example.edu.au"}))
    units = [Unit(code=f"BENCH{n:03d}", name=f"Bench unit {n}") for n in range(unit_count)]
    db.session.add_all([integration, *units])
    db.session.flush()
    run = JobRun(kind="bulk_result_download", status="finished", params={"enrolment_ids": []}, created_at=now,
                 started_at=now, finished_at=now)
    db.session.add(run)
    db.session.flush()
    enrolment_ids = []
    for o in range(1, occurrences + 1):
        occurrence = Occurrence(id=o, name=f"Bench class {o}", program_name="Bench", start_date=date(2026, 2, 2),
                                end_date=date(2026, 12, 11), status=active)
        db.session.add(occurrence)
        tasks = [Task(name=f"Assessment {t}", position=t) for t in range(1, 5)]
        occurrence.tasks = tasks
        from webapp.models import OccurrenceUnit
        occurrence.occurrence_units = [OccurrenceUnit(unit=u, position=i) for i, u in enumerate(units)]
        db.session.flush()
        for t, task in enumerate(tasks):
            db.session.add(TaskUnit(task_id=task.id, unit_id=units[t].id, starts=True, completes=True))
        link = OccurrenceLink(occurrence_id=o, integration_id=integration.id, canvas_course_id=o,
                              canvas_course_name=f"Course {o}", canvas_section_id=o, canvas_section_name=f"S {o}",
                              linked_at=now)
        link.modules = ([CanvasModule(canvas_module_id=o * 100 + i, name=units[i].code, position=i, unit_id=units[i].id)
                         for i in range(unit_count)] +
                        [CanvasModule(canvas_module_id=o * 100 + 50 + t, name=task.name, position=10 + t,
                                      task_id=task.id) for t, task in enumerate(tasks)])
        db.session.add(link)
        for s in range(students):
            client = Client(code=f"B{o:04d}{s:03d}", first_name="Student", last_name=f"{o}-{s}")
            enrolment = Enrolment(client=client, occurrence=occurrence, start_date=date(2026, 2, 2),
                                  end_date=date(2026, 12, 11), status=enrolled)
            enrolment.plan_units = [TrainingPlanUnit(unit=u, position=i, planned_start=date(2026, 2, 2))
                                    for i, u in enumerate(units)]
            enrolment.enrolment_tasks = [EnrolmentTask(task=task, position=t, task_status=not_started)
                                         for t, task in enumerate(tasks)]
            db.session.add(enrolment)
            db.session.flush()
            db.session.add(EnrolmentTransfer(enrolment_id=enrolment.id, link_id=link.id, canvas_user_id=o * 1000 + s,
                                             canvas_enrollment_id=o * 1000 + s, canvas_state="active",
                                             transferred_at=now, activity_read_at=now,  # engagement, as read
                                             last_activity_at=now - timedelta(days=s % 30) if s % 7 else None,
                                             total_activity_seconds=(s % 7) * 3600))
            done = datetime(2026, 10, 1, 23, 30, tzinfo=timezone.utc) + timedelta(days=s)
            states = [{"id": o * 100 + i, "name": units[i].code, "state": ("completed", "started", "locked")[(s + i) % 3],
                       "completed_at": done.isoformat() if (s + i) % 3 == 0 else None, "unlock_at": None}
                      for i in range(unit_count)]
            states += [{"id": o * 100 + 50 + t, "name": f"Assessment {t + 1}", "state": "started" if s % 2 else "locked",
                        "completed_at": None, "unlock_at": None} for t in range(4)]
            db.session.add(ModuleStateDownload(run_id=run.id, enrolment_id=enrolment.id, occurrence_id=o,
                                               canvas_user_id=o * 1000 + s, states=states, fetched_at=now))
            enrolment_ids.append(enrolment.id)
        db.session.commit()
    run.params = {"enrolment_ids": enrolment_ids}
    run.total = run.done = len(enrolment_ids)
    db.session.commit()
    return run.id


if __name__ == "__main__":
    main()
