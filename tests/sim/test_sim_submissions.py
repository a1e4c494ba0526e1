"""Reading submissions as Canvas serves them (reference §13.1-§13.3, §13.10):
`students/submissions` for a section or course, its quirks, and what each caller sees."""

import pytest

from tests.sim.grades_seed import (DRAFT, LETTER, MANUAL, PAPER, POINTS, SECTION_SUBMISSIONS, SUBMISSIONS,
                                   grades_seed)


def grade(api, assignment, user, posted):
    response = api.put(f"/api/v1/courses/5/assignments/{assignment}/submissions/{user}",
                       data={"submission[posted_grade]": posted})
    assert response.status_code == 200, response.json
    return response.json


def submit(api, assignment, body="my work"):
    return api.post(f"/api/v1/courses/5/assignments/{assignment}/submissions",
                    data={"submission[submission_type]": "online_upload", "submission[body]": body})


def rows(api, query="student_ids[]=all", path=SECTION_SUBMISSIONS):
    response = api.get(f"{path}?{query}&per_page=100")
    assert response.status_code == 200, response.json
    return response.json


def test_every_student_has_a_placeholder_row_from_enrolment(as_):
    placeholders = [r for r in rows(as_(), f"student_ids[]=10&assignment_ids[]={LETTER}")]
    assert len(placeholders) == 1
    row = placeholders[0]
    assert (row["workflow_state"], row["attempt"], row["grade"], row["submitted_at"], row["grader_id"],
            row["posted_at"]) == ("unsubmitted", None, None, None, None, None)
    # the assignment is past due and nothing was handed in: Canvas calls it missing
    assert row["missing"] is True and row["late"] is False


def test_all_means_every_enrolment_but_deleted_and_enrollment_state_narrows(as_, grades_app):
    everyone = {r["user_id"] for r in rows(as_(), f"student_ids[]=all&assignment_ids[]={LETTER}")}
    assert everyone == {10, 11, 12, 13, 14}  # concluded, inactive and invited too; not section 51's student
    active = {r["user_id"] for r in rows(as_(), f"student_ids[]=all&assignment_ids[]={LETTER}&enrollment_state=active")}
    assert active == {10, 11}
    concluded = rows(as_(), f"student_ids[]=all&assignment_ids[]={LETTER}&enrollment_state=concluded")
    assert {r["user_id"] for r in concluded} == {12}
    course_wide = {r["user_id"] for r in rows(as_(), f"student_ids[]=all&assignment_ids[]={LETTER}", SUBMISSIONS)}
    assert course_wide == {10, 11, 12, 13, 14, 15}
    bad = as_().get(f"{SECTION_SUBMISSIONS}?student_ids[]=all&enrollment_state=current")
    assert (bad.status_code, bad.json) == (400, {"error": "invalid enrollment_state"})


def test_only_published_assignments_and_an_unpublished_id_refuses_the_call(as_):
    listed = {r["assignment_id"] for r in rows(as_(), "student_ids[]=10")}
    assert DRAFT not in listed and LETTER in listed
    for wanted in (DRAFT, 900, "abc"):  # unpublished, another course's, not a number
        refused = as_().get(f"{SECTION_SUBMISSIONS}?student_ids[]=all&assignment_ids[]={LETTER}&assignment_ids[]={wanted}")
        assert (refused.status_code, refused.json) == (403, {"error": "invalid assignment ids requested"})


def test_grouped_switches_on_for_any_value_even_false(as_, sim_api_for):
    for value in ("1", "false", "0"):
        grouped = rows(as_(), f"student_ids[]=all&grouped={value}&assignment_ids[]={LETTER}")
        assert [g["user_id"] for g in grouped] == [10, 11, 12, 13, 14]
        assert set(grouped[0]) >= {"user_id", "section_id", "sis_user_id", "integration_id", "submissions"}
        assert grouped[0]["section_id"] == 50 and grouped[0]["sis_user_id"] == "S10"
        assert [s["assignment_id"] for s in grouped[0]["submissions"]] == [LETTER]
    flat = rows(as_(), f"student_ids[]=all&assignment_ids[]={LETTER}")
    assert "submissions" not in flat[0] and flat[0]["user_id"] == 10


def test_grouped_shows_sis_ids_only_with_read_sis(make_sim_app, sim_api_for):
    seed = grades_seed()
    seed["users"][0]["without_permissions"] = ["read_sis", "manage_sis"]
    grouped = sim_api_for(make_sim_app(seed), "t").get(f"{SECTION_SUBMISSIONS}?student_ids[]=all&grouped=1").json
    assert "sis_user_id" not in grouped[0] and "integration_id" not in grouped[0]
    # a teacher reads SIS data by Canvas's default role rights
    teacher = sim_api_for(make_sim_app(seed), "teach").get(f"{SECTION_SUBMISSIONS}?student_ids[]=all&grouped=1").json
    assert teacher[0]["sis_user_id"] == "S10"


def test_grouped_pages_run_over_students_up_to_100_a_page(make_sim_app, sim_api_for):
    api = sim_api_for(make_sim_app(grades_seed(extra_students=120)), "t")
    first = api.get(f"{SECTION_SUBMISSIONS}?student_ids[]=all&grouped=1&per_page=500")
    assert len(first.json) == 100  # per_page is clamped to 100 students
    assert all(len(g["submissions"]) == 7 for g in first.json)  # the seven published assignments each
    assert 'rel="next"' in first.headers["Link"]
    second = api.get(f"{SECTION_SUBMISSIONS}?student_ids[]=all&grouped=1&per_page=100&page=2")
    assert len(second.json) == 25 and 'rel="next"' not in second.headers["Link"]
    assert len({g["user_id"] for g in first.json + second.json}) == 125


def test_an_explicit_student_list_over_100_is_refused(make_sim_app, sim_api_for):
    api = sim_api_for(make_sim_app(grades_seed(extra_students=101)), "t")
    hundred = "&".join(f"student_ids[]={1000 + i}" for i in range(100))
    assert api.get(f"{SECTION_SUBMISSIONS}?{hundred}&grouped=1").status_code == 200
    too_many = api.get(f"{SECTION_SUBMISSIONS}?{hundred}&student_ids[]=1100&grouped=1")
    assert (too_many.status_code, too_many.json) == (400, {"error": "too many students"})


def test_ungrouped_pages_are_bookmarks_in_id_order(as_):
    first = as_().get(f"{SECTION_SUBMISSIONS}?student_ids[]=all&per_page=7")
    ids = [r["id"] for r in first.json]
    assert ids == sorted(ids) and len(ids) == 7
    link = next(part for part in first.headers["Link"].split(",") if 'rel="next"' in part)
    assert "page=bookmark:" in link
    second = as_().get(link[link.index("<") + 1:link.index(">")].replace("http://localhost", ""))
    assert min(r["id"] for r in second.json) > max(ids)


def test_graded_since_is_strict_full_iso_and_blind_to_posting(as_, grades_app):
    simulation = grades_app.extensions["canvas_sim"]
    grade(as_(), MANUAL, 10, "Competent")
    graded_at = rows(as_(), f"student_ids[]=10&assignment_ids[]={MANUAL}")[0]["graded_at"]
    assert rows(as_(), f"student_ids[]=10&assignment_ids[]={MANUAL}&graded_since={graded_at}") == []
    assert len(rows(as_(), f"student_ids[]=10&assignment_ids[]={MANUAL}&graded_since=2026-11-25T23:59:59Z")) == 1
    # posting releases the grade, yet graded_at does not move: graded_since after it misses the release
    simulation.settings.clock.advance(3600)
    as_().client.post(f"/sim/api/assignments/{MANUAL}/post", json={})
    later = rows(as_(), f"student_ids[]=10&assignment_ids[]={MANUAL}&graded_since={graded_at}")
    assert later == []
    for bad in ("2026-11-26", "yesterday", "2026-11-26 10:00:00"):
        refused = as_().get(f"{SECTION_SUBMISSIONS}?student_ids[]=all&graded_since={bad}")
        assert (refused.status_code, refused.json) == (
            400, {"errors": {"graded_since": "Invalid datetime for graded_since"}})


def test_teachers_see_unposted_grades_students_do_not(as_):
    grade(as_("teach"), MANUAL, 10, "Competent")
    teacher_view = rows(as_("teach"), f"student_ids[]=10&assignment_ids[]={MANUAL}")[0]
    assert (teacher_view["grade"], teacher_view["posted_at"], teacher_view["grader_id"]) == ("Competent", None, 2)
    own = rows(as_("ten"), f"assignment_ids[]={MANUAL}")[0]  # no student_ids: the caller's own rows
    # `all` from a student means themselves only
    assert {r["user_id"] for r in rows(as_("ten"), "student_ids[]=all&student_ids[]=11")} == {10}
    assert own["workflow_state"] == "graded" and own["posted_at"] is None
    assert not {"grade", "score", "entered_grade", "entered_score"} & set(own)
    as_().client.post(f"/sim/api/assignments/{MANUAL}/post", json={})
    released = rows(as_("ten"), f"assignment_ids[]={MANUAL}")[0]
    assert released["grade"] == "Competent" and released["posted_at"] is not None
    as_().client.post(f"/sim/api/assignments/{MANUAL}/hide", json={})
    hidden = rows(as_("ten"), f"assignment_ids[]={MANUAL}")[0]
    assert hidden["posted_at"] is None and "grade" not in hidden


def test_automatic_posting_releases_a_grade_as_it_is_given(as_):
    row = grade(as_(), LETTER, 10, "Satisfactory")
    assert row["posted_at"] == row["graded_at"] is not None


@pytest.mark.parametrize("token, query", [
    ("ten", "student_ids[]=11"),          # a student reading another student
    ("outsider", "student_ids[]=all"),    # no part in the course
    ("nograde", "student_ids[]=all"),     # an admin without view_all_grades or manage_grades
    ("t", "student_ids[]=15"),            # a student of another section, read through this section
    ("t", ""),                            # no student_ids: the caller, who is no student here
])
def test_who_may_read_which_rows(as_, token, query):
    refused = as_(token).get(f"{SECTION_SUBMISSIONS}?{query}")
    assert refused.status_code == 403
    assert refused.json["status"] == "unauthorized"


def test_the_test_student_is_listed_beside_real_students(as_, grades_app):
    made = as_().client.post("/sim/api/courses/5/test_student", json={}).json
    listed = {g["user_id"]: g for g in rows(as_(), "student_ids[]=all&grouped=1")}
    assert made["user_id"] in listed and listed[made["user_id"]]["section_id"] == 50
    enrolments = as_().get("/api/v1/sections/50/enrollments").json
    fake = next(e for e in enrolments if e["user_id"] == made["user_id"])
    assert (fake["type"], fake["role"], fake["role_id"], fake["enrollment_state"]) == (
        "StudentViewEnrollment", "StudentEnrollment", 3, "active")
    # one per section, as Student View enrols it in every section, and only one Test Student per course
    again = as_().client.post("/sim/api/courses/5/test_student", json={}).json
    assert again == made and len(made["enrollment_ids"]) == 2
    # Canvas's enrolment API cannot make one
    refused = as_().post("/api/v1/sections/50/enrollments",
                         data={"enrollment[user_id]": "10", "enrollment[type]": "StudentViewEnrollment"})
    assert (refused.status_code, refused.json) == (400, {"message": "Invalid type"})


def test_rows_for_points_percent_and_on_paper_work(as_):
    assert grade(as_(), POINTS, 10, "13.5")["grade"] == "13.5"
    on_paper = grade(as_(), PAPER, 10, "complete")
    assert (on_paper["grade"], on_paper["score"], on_paper["attempt"], on_paper["submitted_at"]) == (
        "complete", 1.0, None, None)
