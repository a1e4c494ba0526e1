"""Who is staff in Canvas: a Canvas user who administers an account or teaches a course is never
treated as a student (issue 22 H2), with Canvas mocked call by call."""

from webapp.services.canvas_sync.sharing import staff_refusal


def test_a_canvas_admin_or_teacher_is_never_treated_as_a_student(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/accounts/self/admins"), json=[
        {"id": 9, "role": "AccountAdmin", "user": {"id": 1, "name": "Root Admin"}}])
    assert "is an administrator of Canvas account self (AccountAdmin)" in staff_refusal(canvas_client, "self", 1)

    canvas_mock.replace("GET", url("/api/v1/accounts/self/admins"), json=[])
    canvas_mock.get(url("/api/v1/users/77/enrollments"), json=[
        {"id": 5, "user_id": 77, "course_id": 55, "course_section_id": 87, "type": "TeacherEnrollment",
         "enrollment_state": "active"}])
    assert "Canvas user 77 is a teacher in 1 Canvas course(s)" in staff_refusal(canvas_client, "self", 77)
    query = canvas_mock.calls[-1].request.url
    assert "type%5B%5D=TeacherEnrollment" in query and "type%5B%5D=TaEnrollment" in query


def test_when_canvas_will_not_say_who_is_staff_nothing_is_changed(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/accounts/self/admins"), status=401, json={
        "status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]})

    refusal = staff_refusal(canvas_client, "self", 1001)

    assert "lacks “Users - manage account memberships”" in refusal and "Nothing was changed" in refusal
