"""Grading, handing in, schemes and assignments through Canvas's own endpoints (reference §13.4-§13.9),
and the simulator's controls for what Canvas does only in its UI."""

import pytest
from werkzeug.datastructures import MultiDict

from tests.sim.grades_seed import (DEFAULT_SCHEME, DRAFT, LETTER, MANUAL, PAPER, PERCENT, POINTS, SECTION_SUBMISSIONS,
                                   UNGRADED, grades_seed)

DAY = 86400


@pytest.fixture
def clock(grades_app):
    return grades_app.extensions["canvas_sim"].settings.clock


def put_grade(api, assignment, user, **submission):
    return api.put(f"/api/v1/courses/5/assignments/{assignment}/submissions/{user}",
                   data={f"submission[{k}]": v for k, v in submission.items()})


def submit(api, assignment, kind="online_upload"):
    return api.post(f"/api/v1/courses/5/assignments/{assignment}/submissions",
                    data={"submission[submission_type]": kind, "submission[body]": "work"})


def row(api, assignment, user=10):
    return api.get(f"/api/v1/courses/5/assignments/{assignment}/submissions/{user}").json


def module(api, module_id, student=10):
    return api.get(f"/api/v1/courses/5/modules/{module_id}?student_id={student}&include[]=items").json


@pytest.mark.parametrize("assignment, posted, grade, score", [
    (LETTER, "Satisfactory", "Satisfactory", 100.0),            # the course's scheme, by entry name
    (LETTER, "Not Yet Satisfactory", "Not Yet Satisfactory", 49.0),
    (LETTER, "75%", "Satisfactory", 75.0),
    (MANUAL, "Competent", "Competent", 100.0),                 # an account-level scheme
    (MANUAL, "55", "Not Yet Competent", 55.0),
    (DEFAULT_SCHEME, "85", "B", 85.0),                         # no scheme named: Canvas's default A..F
    (POINTS, "13.5", "13.5", 13.5),
    (PERCENT, "85%", "85%", 8.5),
    (PAPER, "pass", "complete", 1.0),
    (PAPER, "incomplete", "incomplete", 0.0),
])
def test_posted_grade_is_read_by_the_grading_type(as_, assignment, posted, grade, score):
    response = put_grade(as_(), assignment, 10, posted_grade=posted)
    assert response.status_code == 200
    assert (response.json["grade"], response.json["score"], response.json["workflow_state"]) == (grade, score, "graded")
    assert response.json["grader_id"] == 1 and response.json["graded_at"] == "2026-11-26T00:00:00Z"
    # nothing handed in late, so no late policy applies: the entered grade is the grade
    assert (response.json["entered_grade"], response.json["points_deducted"]) == (grade, None)


def test_a_grade_the_type_cannot_read_is_refused(as_):
    refused = put_grade(as_(), LETTER, 10, posted_grade="Excellent")
    assert refused.status_code == 400 and "Excellent" in refused.json["error"]
    assert row(as_(), LETTER)["workflow_state"] == "unsubmitted"


def test_an_unpublished_assignment_cannot_be_graded(as_):
    refused = put_grade(as_(), DRAFT, 10, posted_grade="Satisfactory")
    assert refused.status_code == 403 and "unpublished" in refused.json["error"]


def test_late_work_without_a_late_policy_deducts_nothing(make_sim_app, sim_api_for):
    seed = grades_seed()
    del seed["courses"][0]["late_policy"]
    app = make_sim_app(seed)
    api, ten = sim_api_for(app, "t"), sim_api_for(app, "ten")
    submit(ten, LETTER)
    graded = put_grade(api, LETTER, 10, posted_grade="Satisfactory").json
    assert (graded["grade"], graded["points_deducted"], graded["late"]) == ("Satisfactory", 0.0, True)


def test_not_graded_keeps_no_grade(as_):
    assert put_grade(as_(), UNGRADED, 10, posted_grade="10").json["grade"] is None


def test_excused_has_no_grade_and_is_graded(as_):
    put_grade(as_(), LETTER, 10, posted_grade="Satisfactory")  # excusing replaces a grade given before
    excused = put_grade(as_(), LETTER, 10, excuse="true").json
    assert (excused["excused"], excused["grade"], excused["score"], excused["workflow_state"]) == (
        True, None, None, "graded")
    assert excused["posted_at"] is not None
    back = put_grade(as_(), LETTER, 10, excuse="false").json
    assert back["excused"] is False and back["workflow_state"] == "unsubmitted"


def test_a_late_deduction_keeps_the_assessors_grade_apart(as_, clock):
    # Assessment 1 was due 2026-11-20; handed in 2026-11-26: six days late at 25% a day (down to 0)
    assert submit(as_("ten"), LETTER).status_code == 201
    graded = put_grade(as_(), LETTER, 10, posted_grade="Satisfactory").json
    assert (graded["entered_grade"], graded["entered_score"]) == ("Satisfactory", 100.0)
    assert (graded["grade"], graded["score"], graded["points_deducted"]) == ("Not Yet Satisfactory", 0.0, 100.0)
    assert graded["late"] is True and graded["seconds_late"] == 6 * DAY


def test_a_resubmission_keeps_the_old_grade_until_marked_again(as_, clock):
    submit(as_("eleven"), MANUAL)
    first = put_grade(as_(), MANUAL, 11, posted_grade="Not Yet Competent").json
    as_().client.post(f"/sim/api/assignments/{MANUAL}/post", json={})
    posted_at = row(as_(), MANUAL, 11)["posted_at"]
    clock.advance(DAY)
    again = submit(as_("eleven"), MANUAL).json
    assert (again["attempt"], again["workflow_state"], again["grade_matches_current_submission"]) == (2, "submitted", False)
    kept = row(as_(), MANUAL, 11)
    assert (kept["grade"], kept["graded_at"], kept["posted_at"]) == ("Not Yet Competent", first["graded_at"], posted_at)
    clock.advance(DAY)
    regraded = put_grade(as_(), MANUAL, 11, posted_grade="Competent").json
    assert regraded["grade_matches_current_submission"] is True
    assert regraded["graded_at"] == "2026-11-28T00:00:00Z" and regraded["attempt"] == 2


def test_grading_needs_manage_grades(as_):
    for token in ("ten", "nograde", "outsider"):
        refused = put_grade(as_(token), LETTER, 10, posted_grade="Satisfactory")
        assert refused.status_code == 403, token
    assert put_grade(as_("teach"), LETTER, 10, posted_grade="Satisfactory").json["grader_id"] == 2
    assert put_grade(as_(), LETTER, 4, posted_grade="Satisfactory").status_code == 404  # not a student here


def test_handing_in_is_the_students_own_call(as_):
    assert submit(as_(), LETTER).status_code == 403           # an admin is no student
    assert submit(as_("ten"), DRAFT).status_code == 403       # an unpublished assignment
    wrong = submit(as_("ten"), PAPER, "on_paper")
    assert (wrong.status_code, wrong.json) == (400, {"message": "Invalid submission[submission_type] given"})
    assert submit(as_("ten"), LETTER, "online_text_entry").status_code == 400  # not among its types
    handed_in = submit(as_("ten"), LETTER)
    assert handed_in.status_code == 201
    assert (handed_in.json["attempt"], handed_in.json["workflow_state"]) == (1, "submitted")
    assert "grade" not in handed_in.json  # nothing posted yet, the student's view


def test_must_submit_is_met_at_submission_before_marking(as_):
    put_grade(as_(), LETTER, 10, posted_grade="Satisfactory")  # graded on paper, never handed in
    assert module(as_(), 60)["state"] != "completed"
    submit(as_("ten"), LETTER)
    handed_in = module(as_(), 60)
    assert handed_in["state"] == "completed" and handed_in["items"][0]["completion_requirement"]["completed"] is True


def test_min_score_needs_a_posted_score(as_):
    put_grade(as_(), MANUAL, 10, posted_grade="Competent")  # manual posting: not released yet
    assert module(as_(), 61)["items"][0]["completion_requirement"]["completed"] is False
    as_().client.post(f"/sim/api/assignments/{MANUAL}/post", json={})
    assert module(as_(), 61)["state"] == "completed"
    put_grade(as_(), MANUAL, 11, posted_grade="50")  # released below the minimum of 60
    as_().client.post(f"/sim/api/assignments/{MANUAL}/post", json={})
    assert module(as_(), 61, 11)["state"] != "completed"


def test_posting_to_everyone_releases_later_grades_as_they_are_given(as_, clock):
    assert as_().client.post(f"/sim/api/assignments/{MANUAL}/post", json={}).json == {"posted": 6}  # every student of the course
    clock.advance(DAY)
    later = put_grade(as_(), MANUAL, 11, posted_grade="Competent").json
    # posted before it was graded: released at once, posted_at earlier than graded_at
    assert later["posted_at"] == "2026-11-26T00:00:00Z" and later["graded_at"] == "2026-11-27T00:00:00Z"
    assert row(as_("eleven"), MANUAL, 11)["grade"] == "Competent"


def test_excused_meets_a_requirement(as_):
    put_grade(as_(), MANUAL, 10, excuse="true")
    as_().client.post(f"/sim/api/assignments/{MANUAL}/post", json={})
    assert module(as_(), 61)["state"] == "completed"


def test_assignments_list_shows_unpublished_to_staff_only(as_):
    staff = {a["id"]: a for a in as_().get("/api/v1/courses/5/assignments?per_page=50").json}
    assert staff[DRAFT]["published"] is False and len(staff) == 8
    manual = staff[MANUAL]
    assert (manual["grading_type"], manual["grading_standard_id"], manual["post_manually"], manual["points_possible"]) == (
        "letter_grade", 2, True, 100.0)
    assert staff[PAPER]["submission_types"] == ["on_paper"]
    assert {a["id"] for a in as_("teach").get("/api/v1/courses/5/assignments?per_page=50").json} == set(staff)
    student = {a["id"] for a in as_("ten").get("/api/v1/courses/5/assignments?per_page=50").json}
    assert DRAFT not in student and LETTER in student
    assert as_("outsider").get("/api/v1/courses/5/assignments").status_code == 403


def test_grading_standards_are_listed_where_they_are_owned(as_):
    course = as_().get("/api/v1/courses/5/grading_standards").json
    assert [(s["id"], s["context_type"], s["context_id"]) for s in course] == [(1, "Course", 5)]
    assert course[0]["grading_scheme"] == [{"name": "Satisfactory", "value": 0.5},
                                           {"name": "Not Yet Satisfactory", "value": 0.0}]
    # Assessment 2 uses the account's standard: the course route does not know it, the account's does
    assert as_().get("/api/v1/courses/5/grading_standards/2").status_code == 404
    account = as_().get("/api/v1/accounts/1/grading_standards/2").json
    assert (account["title"], account["context_type"]) == ("RTO competency", "Account")
    assert [s["id"] for s in as_().get("/api/v1/accounts/1/grading_standards").json] == [2]
    assert as_("ten").get("/api/v1/courses/5/grading_standards").status_code == 200  # :read on the course
    assert as_("ten").get("/api/v1/accounts/1/grading_standards").status_code == 403


def test_a_scheme_and_an_assignment_made_through_canvas_endpoints(as_):
    made = as_().post("/api/v1/courses/5/grading_standards", data=MultiDict([
        ("title", "Competency"), ("grading_scheme_entry[][name]", "S"), ("grading_scheme_entry[][value]", "50"),
        ("grading_scheme_entry[][name]", "NYS"), ("grading_scheme_entry[][value]", "0")]))
    assert made.status_code == 200
    assert made.json["grading_scheme"] == [{"name": "S", "value": 0.5}, {"name": "NYS", "value": 0.0}]
    created = as_().post("/api/v1/courses/5/assignments", data=MultiDict([
        ("assignment[name]", "Assessment 9"), ("assignment[grading_type]", "letter_grade"),
        ("assignment[points_possible]", "100"), ("assignment[published]", "true"),
        ("assignment[submission_types][]", "online_upload"), ("assignment[submission_types][]", "on_paper"),
        ("assignment[grading_standard_id]", str(made.json["id"]))]))
    assert created.status_code == 201
    body = created.json
    assert (body["published"], body["grading_standard_id"], body["submission_types"]) == (
        True, made.json["id"], ["online_upload", "on_paper"])
    # every student already has a placeholder row, and the new scheme names the grade
    graded = put_grade(as_(), body["id"], 10, posted_grade="S").json
    assert graded["grade"] == "S"


def test_creating_an_assignment_as_canvas_does(as_):
    plain = as_().post("/api/v1/courses/5/assignments", data={"assignment[name]": "Draft",
                                                              "assignment[grading_standard_id]": "999"})
    assert plain.status_code == 201
    assert (plain.json["published"], plain.json["grading_type"], plain.json["submission_types"],
            plain.json["grading_standard_id"]) == (False, "points", ["none"], None)  # an unknown scheme is ignored
    blank = as_().post("/api/v1/courses/5/assignments", data={"assignment[grading_type]": "points"})
    assert blank.status_code == 400 and "name" in blank.json["errors"]
    wrong = as_().post("/api/v1/courses/5/assignments", data={"assignment[name]": "X",
                                                              "assignment[grading_type]": "stars"})
    assert wrong.status_code == 400 and "grading_type" in wrong.json["errors"]
    for token in ("ten", "nograde"):
        assert as_(token).post("/api/v1/courses/5/assignments", data={"assignment[name]": "X"}).status_code == 403
    assert as_("teach").post("/api/v1/courses/5/assignments", data={"assignment[name]": "X"}).status_code == 201


def test_a_scheme_with_bad_entries_is_refused_whole(as_):
    bad = as_().post("/api/v1/courses/5/grading_standards", data=MultiDict([
        ("title", "Broken"), ("grading_scheme_entry[][name]", "S"), ("grading_scheme_entry[][value]", "150")]))
    assert bad.status_code == 400 and "data" in bad.json["errors"]
    assert len(as_().get("/api/v1/courses/5/grading_standards").json) == 1
    assert as_("ten").post("/api/v1/courses/5/grading_standards", data={"title": "x"}).status_code == 403


def test_the_simulator_controls_grade_excuse_resubmit_post_and_hide(as_):
    control = as_().client
    graded = control.post(f"/sim/api/assignments/{MANUAL}/submissions/10",
                          json={"action": "grade", "grade": "Competent"}).json
    assert (graded["grade"], graded["posted_at"]) == ("Competent", None)
    assert control.post(f"/sim/api/assignments/{MANUAL}/post", json={"graded_only": True}).json == {"posted": 1}
    assert control.post(f"/sim/api/assignments/{MANUAL}/hide", json={}).json == {"hidden": 1}
    resubmitted = control.post("/sim/api/grading_actions", data={"assignment_id": MANUAL, "user_id": 10,
                                                                "action": "submit"})
    assert resubmitted.status_code == 302  # the page's form goes back to the grades page
    assert row(as_(), MANUAL)["grade_matches_current_submission"] is False
    excused = control.post(f"/sim/api/assignments/{LETTER}/submissions/11", json={"action": "excuse"}).json
    assert excused["workflow_state"] == "graded" and excused["grade"] is None
    refused = control.post(f"/sim/api/assignments/{LETTER}/submissions/4", json={"action": "grade", "grade": "S"})
    assert refused.status_code == 400 and "not a student" in refused.json["error"]
    changed = control.patch(f"/sim/api/assignments/{LETTER}", json={"post_manually": True, "published": False}).json
    assert (changed["post_manually"], changed["published"]) == (True, False)


def test_replayed_submissions_are_all_or_nothing(as_):
    control = as_().client
    refused = control.post("/sim/api/submissions", json=[
        {"assignment_id": LETTER, "user_id": 10, "grade": "Satisfactory"},
        {"assignment_id": LETTER, "sis_user_id": "nobody", "grade": "Satisfactory"}])
    assert refused.status_code == 400
    assert row(as_(), LETTER)["workflow_state"] == "unsubmitted"


def test_the_grades_page_shows_each_row(as_):
    put_grade(as_(), LETTER, 10, posted_grade="Satisfactory")
    page = as_().client.get("/sim/grades").get_data(as_text=True)
    assert "Ten Student" in page and "Satisfactory" in page and "released" in page


def test_the_demo_course_is_graded_through_its_scheme(sim_api_for, make_sim_app):
    demo = make_sim_app("demo")
    api = sim_api_for(demo)
    control = api.client
    names = {a["name"]: a for a in api.get("/api/v1/courses/55/assignments?per_page=50").json}
    assert names["Assessment 1 - WHS policies and compliance"]["grading_standard_id"] == 1
    assert names["Assessment 4 - Incident response and WHS systems"]["grading_standard_id"] == 2  # the account's
    items = {i["title"]: i for i in api.get("/api/v1/courses/55/modules/904/items").json}
    assert items["Submit: Assessment 1 - WHS policies and compliance"]["content_id"] == names[
        "Assessment 1 - WHS policies and compliance"]["id"]
    for user in (1001, 1003):
        control.post("/sim/api/enrollments", json={"user_id": user, "section_id": 87})
    given = control.post("/sim/api/courses/55/demo_grades", json={}).json
    assert given["not_enrolled"] == ["C0028", "C0029", "C0030"]
    grouped = {g["user_id"]: {s["assignment_id"]: s for s in g["submissions"]}
               for g in api.get("/api/v1/sections/87/students/submissions?student_ids[]=all&grouped=1").json}
    ella, matilda = grouped[1001][names["Assessment 1 - WHS policies and compliance"]["id"]], \
        grouped[1003][names["Assessment 1 - WHS policies and compliance"]["id"]]
    assert (ella["grade"], ella["posted_at"] is not None) == ("Satisfactory", True)
    assert (matilda["grade"], matilda["workflow_state"], matilda["grade_matches_current_submission"]) == (
        "Not Yet Satisfactory", "submitted", False)


def test_a_student_hands_work_in_over_real_http():
    from canvas_sim.testing import running_simulator
    import requests

    with running_simulator(seed=grades_seed()) as sim:
        response = requests.post(f"{sim.url}/api/v1/courses/5/assignments/{LETTER}/submissions",
                                 headers={"Authorization": "Bearer ten"},
                                 data={"submission[submission_type]": "online_upload"}, timeout=10)
        assert response.status_code == 201
        sim.grade(MANUAL, 10, "Competent", grader_id=2)  # the embedding API, as an assessor in the gradebook
        listed = requests.get(f"{sim.url}{SECTION_SUBMISSIONS}", params={"student_ids[]": "10", "grouped": "1"},
                              headers={"Authorization": "Bearer t"}, timeout=10).json()
        rows = {s["assignment_id"]: s for s in listed[0]["submissions"]}
        assert rows[LETTER]["attempt"] == 1
        assert (rows[MANUAL]["grade"], rows[MANUAL]["grader_id"], rows[MANUAL]["posted_at"]) == ("Competent", 2, None)
        assert sim.post_grades(MANUAL, graded_only=True) == 1


def test_a_course_names_its_grading_scheme_or_null(sim_api_for, make_sim_app, as_):
    """Canvas's course JSON always carries grading_standard_id (lib/api/v1/course_json.rb): the course's
    scheme for letter grades, null when Canvas's default scheme applies."""
    api = sim_api_for(make_sim_app("demo"))
    assert api.get("/api/v1/courses/55").json["grading_standard_id"] == 1
    with_none = as_().get("/api/v1/courses/5").json  # owns a scheme but has not chosen it
    assert "grading_standard_id" in with_none and with_none["grading_standard_id"] is None
