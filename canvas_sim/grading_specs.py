"""Seed and admin-API specs for grading (reference §13): schemes, assignments, the Test Student, grades.

    {"grading_standards": [{"id": 2, "title": "...", "account_id": 1,
                            "scheme": [{"name": "Competent", "value": 0.5}, {"name": "Not Yet Competent", "value": 0}]}],
     "courses": [{"id": 55, ..., "test_student": true or {"user_id": 999}, "grading_standard_id": 1,
                  "late_policy": {"deduction": 10, "interval": "day", "minimum": 0},
                  "grading_standards": [{"id": 1, "title": "...", "scheme": [...]}],
                  "assignments": [{"id": 3001, "name": "...", "grading_type": "letter_grade", "points_possible": 100,
                                   "grading_standard_id": 1, "submission_types": ["online_upload"],
                                   "published": true, "post_manually": false, "due_at": "..."}]}],
     "submissions": [{"assignment_id": 3001, "user_id": 1001 or "sis_user_id": "C0025",
                      "submitted_at": "...", "grade": "Satisfactory", "grader_id": 1, "graded_at": "...",
                      "excused": false, "posted_at": "..." or null, "resubmitted_at": "..."}]}

A submission spec replays what happened to one row in Canvas's order: handed in (`submitted_at`),
graded (`grade`) or excused, released (`posted_at`, which automatic posting fills in by itself),
handed in again (`resubmitted_at`). Module items link to an assignment with `content_id`.
"""

import hashlib

from . import grading
from .models import STUDENT_VIEW, Assignment, Course, LatePolicy, Submission
from .state import State
from .timefmt import parse_iso, to_iso


def _entries(spec: dict) -> list[tuple[str, float]]:
    return [(entry["name"], float(entry["value"])) for entry in spec.get("scheme", [])]


def add_account_standard(state: State, spec: dict):
    account_id = int(spec.get("account_id") or state.account.id)
    if account_id not in state.accounts:
        raise ValueError(f"no account {account_id}")
    return grading.add_standard(state, spec.get("title", ""), "Account", account_id, _entries(spec), spec.get("id"))


def add_course_grading(state: State, course: Course, spec: dict) -> None:
    """A course spec's grading parts; runs after its modules, so items can name assignments."""
    for standard in spec.get("grading_standards", []):
        grading.add_standard(state, standard.get("title", ""), "Course", course.id, _entries(standard),
                             standard.get("id"))
    if spec.get("grading_standard_id"):
        state.course_standard[course.id] = int(spec["grading_standard_id"])
    if spec.get("late_policy"):
        policy = spec["late_policy"]
        state.late_policies[course.id] = LatePolicy(float(policy.get("deduction", 0)), policy.get("interval", "day"),
                                                    policy.get("minimum"))
    for assignment in spec.get("assignments", []):
        add_assignment(state, course, assignment)
    if spec.get("test_student"):
        wanted = spec["test_student"]
        test_student(state, course, wanted.get("user_id") if isinstance(wanted, dict) else None)


def add_assignment(state: State, course: Course, spec: dict) -> Assignment:
    if not spec.get("name"):
        raise ValueError("missing name")
    kind = spec.get("grading_type", "points")
    if kind not in grading.GRADING_TYPES:
        raise ValueError(f"grading_type must be one of {', '.join(grading.GRADING_TYPES)}")
    published = bool(spec.get("published", True))
    standard_id = spec.get("grading_standard_id")
    if standard_id and int(standard_id) not in state.grading_standards:
        raise ValueError(f"no grading standard {standard_id}")
    return state.add_assignment(Assignment(
        id=state.new_id(state.assignments, spec.get("id")), course_id=course.id, name=spec["name"],
        position=int(spec.get("position") or len(state.course_assignments(course)) + 1), created_at=state.now(),
        published=published, workflow_state="published" if published else "unpublished", grading_type=kind,
        points_possible=None if spec.get("points_possible", 10) is None else float(spec.get("points_possible", 10)),
        grading_standard_id=int(standard_id) if standard_id else None,
        submission_types=list(spec.get("submission_types") or ["online_upload"]),
        post_manually=bool(spec.get("post_manually", False)), due_at=parse_iso(spec.get("due_at"))))


def change_assignment(assignment: Assignment, spec: dict) -> None:
    """Staff in Canvas's UI: publish or unpublish, switch manual posting (the post policy), move the due date."""
    for name in ("published", "post_manually"):
        if name in spec:
            value = spec[name]
            setattr(assignment, name, value if isinstance(value, bool) else str(value).lower() in ("1", "true", "on"))
    assignment.workflow_state = "published" if assignment.published else "unpublished"
    if "due_at" in spec:
        assignment.due_at = parse_iso(spec["due_at"])


def test_student(state: State, course: Course, wanted_id: int | None = None):
    """Course#student_view_student: one "Test Student" per course, enrolled (StudentViewEnrollment,
    active) in every section, as entering Student View does."""
    user = next((state.users[e.user_id] for e in state.enrollments.values()
                 if e.course_id == course.id and e.type == STUDENT_VIEW), None)
    if user is None:
        user = state.add_user("Test Student", wanted_id=wanted_id)
        unique_id = hashlib.sha1(f"Test Student_{user.id}".encode()).hexdigest()
        state.add_login(user, unique_id)
    for section in state.course_sections(course) or [state.default_section(course)]:
        if not any(e.user_id == user.id and e.section_id == section.id for e in state.enrollments.values()):
            state.add_enrollment(user, section, STUDENT_VIEW, "active")
    return user


ACTIONS = ("submit", "grade", "excuse", "unexcuse")


def act(state: State, assignment: Assignment, user_id: int, spec: dict) -> Submission:
    """One thing a student or an assessor does to a row: {"action", "grade"?, "grader_id"?,
    "submission_type"?, "body"?, "at"?} (the grades page, the admin API and tests)."""
    action = spec.get("action")
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    at = parse_iso(spec.get("at"))
    grader = int(spec.get("grader_id") or root_admin(state))
    if action == "submit":
        return grading.submit(state, assignment, user_id,
                              spec.get("submission_type") or assignment.submission_types[0], spec.get("body"), at)
    if action == "grade":
        if spec.get("grade") in (None, ""):
            raise ValueError("give the grade to enter")
        return grading.grade(state, assignment, user_id, str(spec["grade"]), grader, at)
    return grading.excuse(state, assignment, user_id, grader, action == "excuse", at)


def target(state: State, spec: dict) -> tuple[Assignment, int]:
    """The assignment and student a spec is about, or ValueError before anything changes."""
    assignment = state.assignments.get(int(spec.get("assignment_id") or 0))
    if assignment is None:
        raise ValueError(f"no assignment {spec.get('assignment_id')}")
    user_id = _user_id(state, spec)
    if state.submission(assignment, user_id) is None:
        raise ValueError(f"user {user_id} is not a student of course {assignment.course_id}")
    return assignment, user_id


def apply_submissions(state: State, specs: list[dict]) -> list[Submission]:
    """All or nothing: every spec's assignment and student are checked before the first is replayed."""
    for spec in specs:
        target(state, spec)
    return [apply_submission(state, spec) for spec in specs]


def apply_submission(state: State, spec: dict) -> Submission:
    assignment, user_id = target(state, spec)
    if spec.get("submitted_at"):
        grading.submit(state, assignment, user_id, spec.get("submission_type") or assignment.submission_types[0],
                       spec.get("body"), parse_iso(spec["submitted_at"]))
    grader = int(spec.get("grader_id") or root_admin(state))
    graded_at = parse_iso(spec.get("graded_at"))
    if spec.get("excused"):
        grading.excuse(state, assignment, user_id, grader, True, graded_at)
    elif spec.get("grade") not in (None, ""):
        grading.grade(state, assignment, user_id, str(spec["grade"]), grader, graded_at)
    row = state.submission(assignment, user_id)
    if "posted_at" in spec:
        row.posted_at = parse_iso(spec["posted_at"])
    if spec.get("resubmitted_at"):
        grading.submit(state, assignment, user_id, spec.get("submission_type") or assignment.submission_types[0],
                       None, parse_iso(spec["resubmitted_at"]))
    return row


def root_admin(state: State) -> int:
    """Who grades when a spec names nobody: the first admin of the root account."""
    admin = next((u for u in sorted(state.users.values(), key=lambda u: u.id) if u.admin_account_id == state.account.id),
                 None)
    if admin is None:
        raise ValueError("give grader_id: there is no root account admin")
    return admin.id


def _user_id(state: State, spec: dict) -> int:
    if spec.get("user_id"):
        return int(spec["user_id"])
    login = next((x for x in state.active_logins() if spec.get("sis_user_id") and x.sis_user_id == spec["sis_user_id"]),
                 None)
    if login is None:
        raise ValueError("give user_id, or the sis_user_id of an existing user")
    return login.user_id


def dump(state: State) -> dict:
    """The grading parts of the state in seed format (courses' parts keyed by course id)."""
    courses = {}
    for course in state.courses.values():
        courses[course.id] = {
            "grading_standards": [_standard(s) for s in state.grading_standards.values()
                                  if (s.context_type, s.context_id) == ("Course", course.id)],
            "grading_standard_id": state.course_standard.get(course.id),
            "assignments": [{"id": a.id, "name": a.name, "position": a.position, "grading_type": a.grading_type,
                             "points_possible": a.points_possible, "grading_standard_id": a.grading_standard_id,
                             "submission_types": a.submission_types, "published": a.published,
                             "post_manually": a.post_manually, "due_at": to_iso(a.due_at)}
                            for a in state.course_assignments(course)]}
        policy = state.late_policies.get(course.id)
        if policy:
            courses[course.id]["late_policy"] = {"deduction": policy.deduction, "interval": policy.interval,
                                                 "minimum": policy.minimum}
    rows = [_row_spec(row) for row in sorted(state.submissions.values(), key=lambda r: r.id)
            if row.workflow_state != "unsubmitted" or row.excused or row.score is not None]
    return {"courses": courses, "submissions": rows,
            "grading_standards": [_standard(s) | {"account_id": s.context_id} for s in state.grading_standards.values()
                                  if s.context_type == "Account"]}


def _standard(standard) -> dict:
    return {"id": standard.id, "title": standard.title,
            "scheme": [{"name": name, "value": value} for name, value in standard.scheme]}


def _row_spec(row: Submission) -> dict:
    """Approximate: a resubmitted row replays as graded on its one recorded hand-in, then handed in again."""
    spec = {"assignment_id": row.assignment_id, "user_id": row.user_id, "grader_id": row.grader_id,
            "graded_at": to_iso(row.graded_at), "posted_at": to_iso(row.posted_at), "excused": row.excused,
            "grade": row.entered_grade, "submission_type": row.submission_type}
    if row.grade_matches_current_submission:
        spec["submitted_at"] = to_iso(row.submitted_at)
    else:
        spec["resubmitted_at"] = to_iso(row.submitted_at)
    return spec
