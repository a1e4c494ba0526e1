"""The simulator's own controls under /sim/: a page for people, JSON for scripts.

Every form on the page posts to the same /sim/api endpoint a script would call;
a form post comes back to the page with a message, a JSON post gets JSON.
Bodies use the seed format of `specs.py`, one object at a time.
"""

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from . import specs
from .progress import SETTABLE_STATES, evaluate
from .serializers import base_url
from .settings import tunable_fields
from .simulation import current_simulation
from .timefmt import to_iso

bp = Blueprint("admin", __name__, url_prefix="/sim")


def _payload() -> dict:
    if request.is_json:
        return request.get_json(silent=True) or {}
    # A blank form field means "not given", as an absent JSON key does.
    return {key: value for key, value in request.form.items() if value != ""}


def _answer(result: dict, message: str, page: str = "admin.page"):
    if request.is_json or request.method == "GET":
        return jsonify(result)
    return redirect(url_for(page, message=message))


def _invalid(error: ValueError):
    """Bad input answers 400 to scripts; a form goes back to the page it came from, saying why."""
    if request.is_json:
        return jsonify({"error": str(error)}), 400
    page = "admin_grades.page" if request.blueprint == "admin_grades" else "admin.page"
    return redirect(url_for(page, message=f"Not done: {error}"))


bp.register_error_handler(ValueError, _invalid)


@bp.get("/")
def page():
    sim = current_simulation()
    state = sim.state
    grids = []
    for course in state.courses.values():
        modules = state.course_modules(course)
        # Each student's enrolment in the course (the newest when several), for its activity.
        students = {e.user_id: e for e in sorted(state.enrollments.values(), key=lambda e: e.id)
                    if e.course_id == course.id and e.type == "StudentEnrollment"}
        rows = [(state.users[i], [evaluate(state, m, i) for m in modules], e) for i, e in students.items()]
        grids.append((course, modules, rows))
    return render_template("admin.html", dump=specs.dump(state), grids=grids, figures=sim.figures(),
                           settings=sim.settings.as_dict(), fields=tunable_fields(), states=SETTABLE_STATES,
                           admin_token=sim.admin_token, developer_key=sim.developer_key, url=base_url(),
                           message=request.args.get("message"))


@bp.get("/api/state")
def show_state():
    return jsonify(specs.dump(current_simulation().state))


@bp.post("/api/courses")
def create_course():
    course = specs.add_course(current_simulation().state, _payload())
    return _answer({"id": course.id}, f"Course {course.id} created")


@bp.post("/api/courses/<int:course_id>/sections")
def create_section(course_id):
    state = current_simulation().state
    section = specs.add_section(state, _course(state, course_id), _payload())
    return _answer({"id": section.id}, f"Section {section.id} created")


@bp.post("/api/courses/<int:course_id>/modules")
def create_module(course_id):
    state = current_simulation().state
    spec = _payload()
    if isinstance(spec.get("items"), str):
        spec["items"] = [line.strip() for line in spec["items"].splitlines() if line.strip()]
    module = specs.add_module(state, _course(state, course_id), spec)
    return _answer({"id": module.id, "item_ids": [item.id for item in module.items]}, f"Module {module.id} created")


def _course(state, course_id: int):
    return _row(state.courses, course_id, "course")


def _row(table: dict, row_id: int, name: str):
    if row_id not in table:
        raise ValueError(f"no {name} {row_id}")
    return table[row_id]


@bp.patch("/api/courses/<int:course_id>")
def change_course(course_id):
    """Play staff in Canvas: publish or conclude a course, move its end date."""
    course = _course(current_simulation().state, course_id)
    specs.change_course(course, _payload())
    return jsonify({"id": course.id, "workflow_state": course.workflow_state, "end_at": to_iso(course.end_at)})


@bp.patch("/api/sections/<int:section_id>")
def change_section(section_id):
    section = _row(current_simulation().state.sections, section_id, "section")
    specs.change_section(section, _payload())
    return jsonify({"id": section.id, "end_at": to_iso(section.end_at),
                    "restrict_enrollments_to_section_dates": section.restrict_enrollments_to_section_dates})


@bp.patch("/api/enrollments/<int:enrollment_id>")
def change_enrollment(enrollment_id):
    """Play a teacher concluding, deactivating or deleting an enrolment in Canvas."""
    state = current_simulation().state
    enrollment = _row(state.enrollments, enrollment_id, "enrollment")
    specs.change_enrollment(state, enrollment, _payload())
    return jsonify({"id": enrollment.id, "state": enrollment.workflow_state})


@bp.post("/api/enrollments/<int:enrollment_id>/accept")
def accept_enrollment(enrollment_id):
    """Play the student accepting their invitation, as `POST …/enrollments/:id/accept` with their token."""
    state = current_simulation().state
    enrollment = _row(state.enrollments, enrollment_id, "enrollment")
    specs.accept_invitation(state, enrollment)
    return _answer({"id": enrollment.id, "state": enrollment.workflow_state},
                   f"Enrollment {enrollment.id} is {enrollment.workflow_state}")


@bp.post("/api/accounts")
def create_account():
    account = specs.add_sub_account(current_simulation().state, _payload())
    return _answer({"id": account.id}, f"Sub-account {account.id} created")


@bp.post("/api/logins/<int:login_id>/delete")
def delete_login(login_id):
    """A login deleted in Canvas (an SIS import, the user removed): it keeps its SIS id.
    Unlike the API's DELETE, this may remove a user's last login."""
    login = _row(current_simulation().state.logins, login_id, "login")
    login.workflow_state = "deleted"
    return _answer({"id": login.id, "workflow_state": login.workflow_state}, f"Login {login.id} deleted")


@bp.post("/api/users")
def create_user():
    """Seed fields, among them `admin`, `admin_account_id`, `without_permissions`, `login_deleted`."""
    spec = _payload()
    if isinstance(spec.get("without_permissions"), str):
        spec["without_permissions"] = [name.strip() for name in spec["without_permissions"].split(",") if name.strip()]
    user = specs.add_user(current_simulation().state, spec)
    return _answer({"id": user.id}, f"User {user.id} created")


@bp.post("/api/tokens")
def create_token():
    """A manual, never-expiring token, e.g. to call the API as a student."""
    state = current_simulation().state
    user = state.users.get(int(_payload().get("user_id", 0)))
    if user is None:
        raise ValueError("unknown user_id")
    return _answer({"access_token": state.add_token(user).token}, f"Token created for {user.name}")


@bp.post("/api/enrollments")
def create_enrollment():
    enrollment = specs.add_enrollment(current_simulation().state, _payload())
    return _answer({"id": enrollment.id}, f"Enrollment {enrollment.id} created")


@bp.post("/api/module_states")
def set_module_state():
    """Play the student: started, completed (at `completed_at`, default now) or unlocked."""
    progress = specs.set_module_state(current_simulation().state, _payload())
    return _answer({"user_id": progress.user_id, "module_id": progress.module_id, "state": progress.state},
                   f"User {progress.user_id} is {progress.state} in module {progress.module_id}")


@bp.post("/api/activity")
def record_page_view():
    """Play the student viewing a page of a course: activity on their active enrolment there."""
    recorded = specs.record_page_view(current_simulation().state, _payload())
    return _answer({"enrollments": [{"id": e.id, "last_activity_at": to_iso(e.last_activity_at),
                                     "total_activity_time": e.total_activity_time} for e in recorded]},
                   f"Page view recorded on {len(recorded)} active enrolment(s)")


@bp.get("/api/counters")
def show_counters():
    return jsonify(current_simulation().figures())


@bp.post("/api/counters/reset")
def reset_counters():
    sim = current_simulation()
    sim.counters.reset()
    sim.throttle.reset()
    return _answer(sim.figures(), "Counters and buckets reset")


@bp.route("/api/settings", methods=["GET", "POST", "PUT", "PATCH"])
def settings():
    sim = current_simulation()
    changes = _payload()
    if changes:
        sim.configure(**changes)
    return _answer(sim.settings.as_dict(), "Settings saved")


@bp.post("/api/reset")
def reset():
    current_simulation().reset()
    return _answer({"reset": True}, "Back to the seed")
