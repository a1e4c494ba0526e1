"""A small course for the grading tests (reference §13): every grading type, both scheme levels,
manual posting, a late policy, students in every enrolment state, a teacher, and Assignment
module items with must_submit and min_score requirements. The clock starts 2026-11-26T00:00Z."""

SNYS = [{"name": "Satisfactory", "value": 0.5}, {"name": "Not Yet Satisfactory", "value": 0.0}]
COMPETENCY = [{"name": "Competent", "value": 0.6}, {"name": "Not Yet Competent", "value": 0.0}]

# Assignment ids
LETTER, MANUAL, DRAFT, POINTS, PERCENT, PAPER, UNGRADED, DEFAULT_SCHEME = range(100, 108)
SUBMISSIONS = "/api/v1/courses/5/students/submissions"
SECTION_SUBMISSIONS = "/api/v1/sections/50/students/submissions"


def grades_seed(extra_students: int = 0) -> dict:
    students = [{"id": 10, "name": "Ten Student", "login_id": "ten", "sis_user_id": "S10", "tokens": ["ten"]},
                {"id": 11, "name": "Eleven Student", "login_id": "eleven", "sis_user_id": "S11", "tokens": ["eleven"]},
                {"id": 12, "name": "Twelve Concluded", "login_id": "twelve"},
                {"id": 13, "name": "Thirteen Inactive", "login_id": "thirteen"},
                {"id": 14, "name": "Fourteen Invited", "login_id": "fourteen"},
                {"id": 15, "name": "Fifteen Other Section", "login_id": "fifteen"}]
    students += [{"id": 1000 + i, "name": f"Extra {i}", "login_id": f"extra{i}"} for i in range(extra_students)]

    def assignment(id_, name, **options):
        return {"id": id_, "name": name, "grading_type": "letter_grade", "points_possible": 100,
                "submission_types": ["online_upload"], **options}

    return {
        "grading_standards": [{"id": 2, "title": "RTO competency", "account_id": 1, "scheme": COMPETENCY}],
        "users": [{"id": 1, "name": "Admin", "login_id": "admin", "admin": True, "tokens": ["t"]},
                  {"id": 2, "name": "Teacher", "login_id": "teacher", "tokens": ["teach"]},
                  {"id": 3, "name": "Auditor", "login_id": "auditor", "admin": True, "tokens": ["nograde"],
                   "without_permissions": ["view_all_grades", "manage_grades", "manage_assignments"]},
                  {"id": 4, "name": "Outsider", "login_id": "outsider", "tokens": ["outsider"]}] + students,
        "courses": [{"id": 5, "name": "C", "sections": [{"id": 50, "name": "S"}, {"id": 51, "name": "Other"}],
                     "grading_standards": [{"id": 1, "title": "S/NYS", "scheme": SNYS}],
                     "late_policy": {"deduction": 25, "interval": "day", "minimum": 0},
                     "assignments": [
                         assignment(LETTER, "Assessment 1", grading_standard_id=1, due_at="2026-11-20T00:00:00Z"),
                         assignment(MANUAL, "Assessment 2", grading_standard_id=2, post_manually=True),
                         assignment(DRAFT, "Assessment 3 draft", grading_standard_id=1, published=False),
                         assignment(POINTS, "Quiz-like points", grading_type="points", points_possible=20),
                         assignment(PERCENT, "Percent task", grading_type="percent", points_possible=10),
                         assignment(PAPER, "Observation", grading_type="pass_fail", points_possible=1,
                                    submission_types=["on_paper"]),
                         assignment(UNGRADED, "Journal", grading_type="not_graded", points_possible=None,
                                    submission_types=["online_text_entry"]),
                         assignment(DEFAULT_SCHEME, "Letter without scheme")],
                     "modules": [
                         {"id": 60, "name": "Hand in 1", "items": [
                             {"id": 600, "title": "Submit 1", "type": "Assignment", "content_id": LETTER,
                              "requirement": {"type": "must_submit"}}]},
                         {"id": 61, "name": "Pass 2", "items": [
                             {"id": 610, "title": "Assessment 2", "type": "Assignment", "content_id": MANUAL,
                              "requirement": {"type": "min_score", "min_score": 60}}]}]},
                    {"id": 6, "name": "Other course", "sections": [{"id": 60, "name": "X"}],
                     "assignments": [assignment(900, "Foreign")]}],
        "enrollments": [{"user_id": 2, "section_id": 50, "type": "TeacherEnrollment"},
                        {"user_id": 10, "section_id": 50}, {"user_id": 11, "section_id": 50},
                        {"user_id": 12, "section_id": 50, "state": "completed"},
                        {"user_id": 13, "section_id": 50, "state": "inactive"},
                        {"user_id": 14, "section_id": 50, "state": "invited"},
                        {"user_id": 15, "section_id": 51}]
                       + [{"user_id": 1000 + i, "section_id": 50} for i in range(extra_students)],
    }
