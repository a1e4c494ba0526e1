"""The grade calls send what reference §13 asks for and return Canvas's fields, typed."""

from datetime import UTC, datetime

from responses import matchers

from webapp.services.canvas import CANVAS_DEFAULT_SCHEME, Assignment, Course, SchemeLookup

SUBMISSION = {"id": 70, "user_id": 4711, "assignment_id": 31, "grade": "Not Yet Satisfactory", "score": 45.0,
              "entered_grade": "Satisfactory", "entered_score": 55.0, "points_deducted": 10.0, "excused": False,
              "attempt": 2, "submitted_at": "2026-11-02T03:00:00Z", "submission_type": "online_upload",
              "graded_at": "2026-11-03T04:00:00Z", "grader_id": 12, "posted_at": None,
              "workflow_state": "graded", "grade_matches_current_submission": True, "late": True, "missing": False}


def test_assignments_are_read_with_their_grading(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/assignments"), match=[matchers.query_param_matcher({"per_page": "100"})],
                    json=[{"id": 31, "name": "Assessment 1 - Written questions", "published": False,
                           "grading_type": "letter_grade", "points_possible": 100, "grading_standard_id": 8,
                           "submission_types": ["on_paper"], "post_manually": True, "due_at": None}])

    [assignment] = canvas_client.list_assignments(55)

    assert (assignment.published, assignment.grading_type, assignment.grading_standard_id) == (
        False, "letter_grade", 8)
    assert assignment.submission_types == ("on_paper",) and assignment.post_manually is True


def test_section_submissions_ask_grouped_active_students_for_the_mapped_assignments_only(canvas_mock,
                                                                                      canvas_client, url):
    path = url("/api/v1/sections/9/students/submissions")
    canvas_mock.get(path, match=[matchers.query_string_matcher(
        "student_ids%5B%5D=all&grouped=true&enrollment_state=active&assignment_ids%5B%5D=31&assignment_ids%5B%5D=32"
        "&graded_since=2026-11-01T00%3A00%3A00Z&per_page=100")],
        json=[{"user_id": 4711, "section_id": 9, "sis_user_id": "C001", "submissions": [SUBMISSION]},
              {"user_id": 4712, "section_id": 9, "submissions": []}],
        headers={"Link": f'<{path}?page=bookmark:x>; rel="next"'})
    canvas_mock.get(f"{path}?page=bookmark:x", json=[{"user_id": 4713, "submissions": []}])

    students = canvas_client.section_submissions(9, [32, 31, 31],
                                                 graded_since=datetime(2026, 11, 1, tzinfo=UTC))

    assert [s.user_id for s in students] == [4711, 4712, 4713]
    [submission] = students[0].submissions
    assert (submission.entered_grade, submission.grade, submission.attempt, submission.grader_id) == (
        "Satisfactory", "Not Yet Satisfactory", 2, 12)
    assert submission.posted_at is None and submission.graded_at == datetime(2026, 11, 3, 4, tzinfo=UTC)


def test_no_mapped_assignment_asks_canvas_nothing(canvas_mock, canvas_client):
    assert canvas_client.section_submissions(9, []) == []


def _standard(standard_id, context_type, context_id, names):
    return {"id": standard_id, "title": "Competency", "context_type": context_type, "context_id": context_id,
            "grading_scheme": [{"name": name, "value": value} for name, value in names]}


SCHEME = [("Satisfactory", 0.5), ("Not Yet Satisfactory", 0.0)]


def test_an_account_scheme_is_read_from_the_account_and_each_context_only_once(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/grading_standards"), json=[_standard(5, "Course", 55, [("Pass", 0.5)])])
    canvas_mock.get(url("/api/v1/accounts/3/grading_standards"), json=[])
    canvas_mock.get(url("/api/v1/accounts/3"), json={"id": 3, "name": "Business", "parent_account_id": 1,
                                                     "root_account_id": 1})
    canvas_mock.get(url("/api/v1/accounts/1/grading_standards"), json=[_standard(8, "Account", 1, SCHEME)])
    course = Course(id=55, name="WHS", account_id=3)
    lookup = SchemeLookup(canvas_client)

    first = lookup.scheme_for(course, Assignment(id=31, name="A1", grading_type="letter_grade",
                                                 grading_standard_id=8))
    again = lookup.scheme_for(course, Assignment(id=32, name="A2", grading_type="letter_grade",
                                                 grading_standard_id=8))
    own = lookup.scheme_for(course, Assignment(id=33, name="A3", grading_type="letter_grade",
                                               grading_standard_id=5))

    assert [entry.name for entry in first] == ["Satisfactory", "Not Yet Satisfactory"] and again == first
    assert [entry.name for entry in own] == ["Pass"]
    assert len(canvas_mock.calls) == 4  # each course and account asked once for the run


def test_without_a_scheme_canvas_default_applies_and_points_need_none(canvas_mock, canvas_client):
    lookup = SchemeLookup(canvas_client)
    course = Course(id=55, name="WHS", account_id=3)

    assert lookup.scheme_for(course, Assignment(id=31, name="A1", grading_type="letter_grade")) == CANVAS_DEFAULT_SCHEME
    assert lookup.scheme_for(course, Assignment(id=32, name="A2", grading_type="points")) is None
