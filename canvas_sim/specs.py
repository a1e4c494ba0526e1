"""Plain scenario specs (dicts, as in a seed file or an admin API body) -> Canvas objects.

A seed file is one dict with the lists below; the admin API takes one element of a
list at a time, so a scenario can be built up front or piece by piece the same way:

    {"account": {"id": 1, "name": "..."},
     "sub_accounts": [{"id": 2, "name": "...", "parent_account_id": 1}],
     "developer_keys": [{"client_id": "...", "client_secret": "...", "redirect_uris": ["http://localhost"]}],
     "users": [{"id": 1, "name": "...", "login_id": "...", "sis_user_id": null, "admin": true, "tokens": ["..."]},
               {"id": 2, "name": "...", "admin_account_id": 2, "without_permissions": ["manage_sis"]},
               {"id": 3, "name": "...", "login_id": "...", "sis_user_id": "...", "login_deleted": true}],
     "courses": [{"id": 55, "name": "...", "sis_course_id": "...", "account_id": 1,
                  "workflow_state": "available", "end_at": null,
                  "sections": [{"id": 87, "name": "...", "sis_section_id": "121", "end_at": null,
                                "restrict_enrollments_to_section_dates": false}],
                  "modules": [{"id": 901, "name": "...", "unlock_at": "2026-10-04T13:00:00Z",
                               "published": true, "assigned_to": null,
                               "items": ["A page to view", {"title": "Quiz", "type": "Quiz",
                                                            "requirement": {"type": "min_score", "min_score": 7}}]}]}],
     "enrollments": [{"user_id": 1, "section_id": 87, "type": "StudentEnrollment", "state": "active"}],
     "module_states": [{"user_id": 1, "module_id": 901, "state": "completed", "completed_at": "..."}]}

A spec that cannot be built raises ValueError, which the admin API answers with 400.
"""

from . import activity, grading_specs, progress
from .models import PERMISSIONS, ROLE_IDS, STUDENT_VIEW, Account, Course, Enrollment, Module, ModuleItem, Section, User
from .state import State
from .timefmt import parse_iso, to_iso


def apply(state: State, data: dict) -> None:
    if "account" in data:
        state.set_root_account(int(data["account"].get("id", 1)), data["account"].get("name", state.account.name))
    for spec in data.get("sub_accounts", []):
        add_sub_account(state, spec)
    for spec in data.get("developer_keys", []):
        state.add_developer_key(spec)
    for spec in data.get("users", []):
        add_user(state, spec)
    for spec in data.get("grading_standards", []):
        grading_specs.add_account_standard(state, spec)
    for spec in data.get("courses", []):
        add_course(state, spec)
    for spec in data.get("enrollments", []):
        add_enrollment(state, spec)
    for spec in data.get("users", []):
        for history in spec.get("activity", []):
            activity.earlier_activity(state, int(spec["id"]), history)
    for spec in data.get("module_states", []):
        set_module_state(state, spec)
    grading_specs.apply_submissions(state, data.get("submissions", []))


def _require(spec: dict, *names: str) -> None:
    missing = [name for name in names if spec.get(name) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")


def add_sub_account(state: State, spec: dict) -> Account:
    _require(spec, "name")
    return state.add_sub_account(spec)


def add_user(state: State, spec: dict) -> User:
    _require(spec, "name")
    login_id = spec.get("login_id")
    conflict = login_id and state.login_conflict(login_id, spec.get("sis_user_id"), spec.get("integration_id"))
    if conflict:
        raise ValueError(next(iter(conflict.values()))[0]["message"])
    email = spec.get("email") or (login_id if login_id and "@" in login_id else None)
    without = list(spec.get("without_permissions") or [])
    unknown = sorted(set(without) - set(PERMISSIONS))
    if unknown:
        raise ValueError(f"unknown permission(s): {', '.join(unknown)}")
    # "admin": true is the root account's admin; admin_account_id names any account.
    admin_account_id = spec.get("admin_account_id") or (state.account.id if spec.get("admin") else None)
    user = state.add_user(spec["name"], wanted_id=spec.get("id"), email=email, admin_account_id=admin_account_id,
                          without_permissions=without)
    if login_id:
        login = state.add_login(user, login_id, spec.get("sis_user_id") or None, spec.get("integration_id") or None)
        if spec.get("login_deleted"):
            login.workflow_state = "deleted"
    for token in spec.get("tokens", []):
        state.add_token(user, token=token)
    return user


def add_course(state: State, spec: dict) -> Course:
    _require(spec, "name")
    course = state.add_course(spec)
    for section in spec.get("sections", []):
        add_section(state, course, section)
    for module in spec.get("modules", []):
        add_module(state, course, module)
    grading_specs.add_course_grading(state, course, spec)
    return course


def add_section(state: State, course: Course, spec: dict):
    _require(spec, "name")
    return state.add_section(course, spec)


def add_module(state: State, course: Course, spec: dict) -> Module:
    _require(spec, "name")
    module = Module(
        id=state.new_id(state.modules, spec.get("id")), course_id=course.id, name=spec["name"],
        position=int(spec.get("position") or len(state.course_modules(course)) + 1),
        unlock_at=parse_iso(spec.get("unlock_at")),
        require_sequential_progress=bool(spec.get("require_sequential_progress", False)),
        requirement_type=spec.get("requirement_type", "all"),
        prerequisite_module_ids=[int(i) for i in spec.get("prerequisite_module_ids", [])],
        published=bool(spec.get("published", True)), assigned_to=_assigned_to(spec))
    state.modules[module.id] = module
    taken_ids = {item.id for m in state.modules.values() for item in m.items}
    for position, item_spec in enumerate(spec.get("items", []), start=1):
        item = _module_item(module, position, item_spec, max(taken_ids, default=7000) + 1)
        taken_ids.add(item.id)
        module.items.append(item)
    return module


def _module_item(module: Module, position: int, spec: dict | str, next_id: int) -> ModuleItem:
    """A bare string is the common case: a page the student must view."""
    if isinstance(spec, str):
        spec = {"title": spec, "requirement": {"type": "must_view"}}
    _require(spec, "title")
    item_id = int(spec.get("id") or next_id)
    kind = spec.get("type", "Page")
    return ModuleItem(
        id=item_id, module_id=module.id, position=position, title=spec["title"], type=kind,
        content_id=spec.get("content_id", item_id if kind not in ("SubHeader", "ExternalUrl") else None),
        page_url=spec.get("page_url") or (_slug(spec["title"]) if kind == "Page" else None),
        external_url=spec.get("external_url"), indent=int(spec.get("indent", 0)),
        published=bool(spec.get("published", True)), requirement=spec.get("requirement"),
        assigned_to=_assigned_to(spec))


def _assigned_to(spec: dict) -> list[int] | None:
    """Differentiated content: the ids of the students it is assigned to; absent = everyone."""
    ids = spec.get("assigned_to")
    return None if ids is None else [int(i) for i in ids]


def _slug(title: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())


def add_enrollment(state: State, spec: dict) -> Enrollment:
    _require(spec, "user_id")
    user = state.users.get(int(spec["user_id"]))
    if user is None:
        raise ValueError(f"no user {spec['user_id']}")
    if spec.get("section_id"):
        section = state.sections.get(int(spec["section_id"]))
    else:
        course = state.courses.get(int(spec.get("course_id") or 0))
        section = course and state.default_section(course)
    if section is None:
        raise ValueError("give an existing section_id or course_id")
    type_ = spec.get("type", "StudentEnrollment")
    if type_ not in ROLE_IDS and type_ != STUDENT_VIEW:
        raise ValueError(f"unknown enrollment type {type_}")
    seconds = _whole(spec.get("total_activity_time", 0), "total_activity_time")
    if seconds < 0:
        raise ValueError("total_activity_time must be 0 or more")
    return state.add_enrollment(
        user, section, type_, spec.get("state", "active"), id=spec.get("id"),
        limit_privileges_to_course_section=bool(spec.get("limit_privileges_to_course_section", False)),
        last_activity_at=parse_iso(spec.get("last_activity_at")), total_activity_time=seconds)


# What a running scenario may change (admin API PATCH): playing staff in Canvas.
COURSE_STATES = ("available", "unpublished", "created", "claimed", "completed")
ENROLLMENT_STATES = ("active", "invited", "creation_pending", "inactive", "completed", "rejected", "deleted")


def change_course(course: Course, spec: dict) -> None:
    if "workflow_state" in spec:
        if spec["workflow_state"] not in COURSE_STATES:
            raise ValueError(f"workflow_state must be one of {', '.join(COURSE_STATES)}")
        course.workflow_state = spec["workflow_state"]
    for name in ("start_at", "end_at"):
        if name in spec:
            setattr(course, name, parse_iso(spec[name]))


def change_section(section: Section, spec: dict) -> None:
    for name in ("start_at", "end_at"):
        if name in spec:
            setattr(section, name, parse_iso(spec[name]))
    if "restrict_enrollments_to_section_dates" in spec:
        section.restrict_enrollments_to_section_dates = _truthy(spec["restrict_enrollments_to_section_dates"])


def change_enrollment(state: State, enrollment: Enrollment, spec: dict) -> None:
    _require(spec, "state")
    if spec["state"] not in ENROLLMENT_STATES:
        raise ValueError(f"state must be one of {', '.join(ENROLLMENT_STATES)}")
    enrollment.workflow_state = spec["state"]
    enrollment.updated_at = state.now()


def accept_invitation(state: State, enrollment: Enrollment) -> None:
    """The student accepts their invitation, with Canvas's refusals (enrollments_api_controller#accept)
    as ValueError: the API answers them 400 `{"error": ...}`. An active enrolment is accepted already."""
    if enrollment.workflow_state == "active":
        return
    if enrollment.workflow_state == "inactive":
        raise ValueError("membership not activated")
    if enrollment.workflow_state == "rejected":  # Canvas invites again before it accepts
        enrollment.workflow_state = "invited"
    if enrollment.workflow_state != "invited":
        raise ValueError("no current invitation")
    enrollment.workflow_state = "active"
    enrollment.updated_at = state.now()


def _truthy(value) -> bool:
    """JSON sends booleans, forms send strings."""
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def set_module_state(state: State, spec: dict):
    _require(spec, "user_id", "module_id", "state")
    user = state.users.get(int(spec["user_id"]))
    module = state.modules.get(int(spec["module_id"]))
    if user is None or module is None:
        raise ValueError("unknown user_id or module_id")
    seconds = _whole(spec.get("seconds", progress.MODULE_SECONDS), "seconds")
    return progress.set_progress(state, user.id, module, spec["state"], parse_iso(spec.get("completed_at")), seconds)


def _whole(value, name: str) -> int:
    """A whole number from JSON or a form field."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number") from None
    if isinstance(value, float) and value != number:
        raise ValueError(f"{name} must be a whole number")
    return number


def record_page_view(state: State, spec: dict) -> list[Enrollment]:
    """Play the student viewing a page of the course for `seconds` (default 60), at `at` (default now)."""
    _require(spec, "user_id", "course_id")
    user = state.users.get(_whole(spec["user_id"], "user_id"))
    course = state.courses.get(_whole(spec["course_id"], "course_id"))
    if user is None or course is None:
        raise ValueError("unknown user_id or course_id")
    return activity.record_activity(state, user.id, course.id, _whole(spec.get("seconds", 60), "seconds"),
                                    parse_iso(spec.get("at")))


def dump(state: State) -> dict:
    """The state in the seed format, so a scenario built by hand can be saved and replayed."""
    def module_spec(module: Module) -> dict:
        return {"id": module.id, "name": module.name, "position": module.position,
                "unlock_at": to_iso(module.unlock_at), "published": module.published,
                "assigned_to": module.assigned_to, "prerequisite_module_ids": module.prerequisite_module_ids,
                "items": [{"id": i.id, "title": i.title, "type": i.type, "content_id": i.content_id,
                   "requirement": i.requirement,
                           "published": i.published, "assigned_to": i.assigned_to} for i in module.items]}

    def user_spec(user: User) -> dict:
        # The first login in any state, so a deleted one (and its SIS id) replays too.
        login = next((x for x in state.logins.values() if x.user_id == user.id), None)
        root_admin = user.admin_account_id == state.account.id
        return {"id": user.id, "name": user.name, "login_id": login.unique_id if login else None,
                "sis_user_id": login.sis_user_id if login else None, "email": user.email,
                "login_deleted": bool(login and login.workflow_state == "deleted"), "admin": root_admin,
                "admin_account_id": None if root_admin else user.admin_account_id,
                "without_permissions": sorted(user.without_permissions),
                "tokens": [t.token for t in state.tokens.values()
                           if t.user_id == user.id and t.developer_key_id is None],
                "activity": [{"course_id": course_id, "last_activity_at": to_iso(at), "total_activity_time": seconds}
                             for (user_id, course_id), (at, seconds) in state.earlier_activity.items()
                             if user_id == user.id]}

    def section_spec(section: Section) -> dict:
        return {"id": section.id, "name": section.name, "sis_section_id": section.sis_section_id,
                "end_at": to_iso(section.end_at),
                "restrict_enrollments_to_section_dates": section.restrict_enrollments_to_section_dates}

    grading = grading_specs.dump(state)
    return {
        "account": {"id": state.account.id, "name": state.account.name},
        "sub_accounts": [{"id": a.id, "name": a.name, "parent_account_id": a.parent_account_id}
                         for a in state.accounts.values() if a is not state.account],
        "developer_keys": [{"id": k.id, "client_id": k.client_id, "client_secret": k.client_secret, "name": k.name,
                            "redirect_uris": k.redirect_uris} for k in state.developer_keys.values()],
        "users": [user_spec(u) for u in state.users.values()],
        "courses": [{"id": c.id, "name": c.name, "course_code": c.course_code, "sis_course_id": c.sis_course_id,
                     "account_id": c.account_id, "workflow_state": c.workflow_state,
                     "start_at": to_iso(c.start_at), "end_at": to_iso(c.end_at),
                     "sections": [section_spec(s) for s in state.course_sections(c)],
                     "modules": [module_spec(m) for m in state.course_modules(c)], **grading["courses"][c.id]}
                    for c in state.courses.values()],
        "enrollments": [{"id": e.id, "user_id": e.user_id, "section_id": e.section_id, "type": e.type,
                         "state": e.workflow_state, "last_activity_at": to_iso(e.last_activity_at),
                         "total_activity_time": e.total_activity_time} for e in state.enrollments.values()],
        "module_states": [{"user_id": p.user_id, "module_id": p.module_id, "state": p.state,
                           # The enrolments above carry the activity already: replaying adds none.
                           "completed_at": to_iso(p.completed_at), "seconds": 0} for p in state.progress.values()],
        "grading_standards": grading["grading_standards"],
        "submissions": grading["submissions"],
    }
