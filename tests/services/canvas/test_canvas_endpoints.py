"""Each call sends what the reference asks for and returns Canvas's fields, typed."""

from datetime import UTC, datetime

from responses import matchers

from webapp.services.canvas import CompletionRequirement, Module

ENROLLMENT = {"id": 880, "user_id": 4711, "course_id": 55, "course_section_id": 121, "type": "StudentEnrollment",
              "role": "StudentEnrollment", "enrollment_state": "active", "limit_privileges_to_course_section": True,
              "sis_user_id": "C001", "sis_section_id": "121",
              "user": {"id": 4711, "name": "Ada Lovelace", "sortable_name": "Lovelace, Ada", "sis_user_id": "C001",
                       "login_id": "ada@example.edu"}}


def _per_page(**params):
    return [matchers.query_param_matcher({**params, "per_page": "100"})]


def test_whoami_names_the_user_behind_the_token(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/users/self"), json={"id": 42, "name": "Integration Admin", "login_id": "admin"})

    me = canvas_client.whoami()

    assert (me.id, me.name, me.login_id) == (42, "Integration Admin", "admin")


def test_section_and_course(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/sections/sis_section_id:121"), json={
        "id": 9, "course_id": 55, "name": "WHS Feb intake", "sis_section_id": "121", "sis_course_id": "CRS-55",
        "start_at": None, "total_students": 24})
    canvas_mock.get(url("/api/v1/courses/55"), json={"id": 55, "name": "Certificate IV in WHS",
                                                 "course_code": "BSB41419", "workflow_state": "available",
                                                 "account_id": 1, "uuid": "x"})

    section = canvas_client.get_section_by_sis_id("121")
    course = canvas_client.get_course(section.course_id)

    assert (section.id, section.sis_section_id, section.sis_course_id) == (9, "121", "CRS-55")
    assert (course.name, course.course_code, course.workflow_state) == ("Certificate IV in WHS", "BSB41419",
                                                                        "available")


def test_list_modules_asks_for_100_a_page(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"), match=_per_page(), json=[
        {"id": 901, "name": "BSBWHS411 Implement WHS policies", "position": 1, "unlock_at": "2025-03-01T13:00:00Z",
         "items_count": 2, "published": True, "workflow_state": "active"}])

    [module] = canvas_client.list_modules(55)

    assert module.name == "BSBWHS411 Implement WHS policies"
    assert module.unlock_at == datetime(2025, 3, 1, 13, 0, tzinfo=UTC)
    assert module.state is None and module.items is None


def test_list_modules_with_items_says_which_have_completion_requirements(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"), match=_per_page(**{"include[]": "items"}), json=[
        {"id": 901, "name": "Welcome", "position": 1, "items_count": 1, "items": [
            {"id": 7001, "module_id": 901, "position": 1, "title": "Course guide", "type": "Page"}]},
        {"id": 902, "name": "Week 2", "position": 2, "items_count": 120}])
    canvas_mock.get(url("/api/v1/courses/55/modules/902/items"), match=_per_page(), json=[
        {"id": 7002, "module_id": 902, "position": 1, "title": "Quiz 1", "type": "Quiz",
         "completion_requirement": {"type": "min_score", "min_score": 7}}])

    welcome, week2 = canvas_client.list_modules(55, with_items=True)

    assert [item.completion_requirement for item in welcome.items] == [None]
    assert week2.items[0].completion_requirement == CompletionRequirement("min_score", 7)


def test_student_module_states_with_inline_items_and_the_fallbacks(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"),
                    match=_per_page(student_id="4711", **{"include[]": "items"}), json=[
        {"id": 901, "name": "Week 1", "position": 1, "items_count": 1, "state": "completed",
         "completed_at": "2025-03-02T23:30:00Z", "items": [
             {"id": 7001, "module_id": 901, "position": 1, "title": "Intro", "type": "Page", "page_url": "intro",
              "completion_requirement": {"type": "must_view", "completed": True}}]},
        # More than 100 items: Canvas leaves them out and they come from the items endpoint.
        {"id": 902, "name": "Week 2", "position": 2, "items_count": 120, "state": "started"},
        {"id": 903, "name": "Week 3", "position": 3, "items_count": 0, "state": "locked"},
    ])
    canvas_mock.get(url("/api/v1/courses/55/modules/902/items"), match=_per_page(student_id="4711"), json=[
        {"id": 7002, "module_id": 902, "position": 1, "title": "Quiz 1", "type": "Quiz", "content_id": 333,
         "completion_requirement": {"type": "min_score", "min_score": 7, "completed": False}}])

    week1, week2, week3 = canvas_client.get_student_module_states(55, 4711)

    assert (week1.state, week1.completed_at) == ("completed", datetime(2025, 3, 2, 23, 30, tzinfo=UTC))
    assert week1.items[0].completion_requirement == CompletionRequirement("must_view", completed=True)
    assert week2 == Module(902, "Week 2", 2, items_count=120, state="started", items=(week2.items[0],))
    assert week2.items[0].completion_requirement == CompletionRequirement("min_score", 7, False)
    assert (week3.state, week3.items) == ("locked", ())


def test_create_user_sends_login_sis_id_and_registration_email(canvas_mock, canvas_client, url):
    canvas_mock.post(url("/api/v1/accounts/1/users"), match=[matchers.urlencoded_params_matcher({
        "user[name]": "Ada Lovelace", "user[short_name]": "Ada", "user[sortable_name]": "Lovelace, Ada",
        "pseudonym[unique_id]": "ada@example.edu", "pseudonym[sis_user_id]": "C001",
        "pseudonym[send_confirmation]": "true", "communication_channel[type]": "email",
        "communication_channel[address]": "ada@example.edu"})],
        json={"id": 4711, "name": "Ada Lovelace", "sis_user_id": "C001", "login_id": "ada@example.edu",
              "created_at": "2025-09-01T10:00:00Z", "locale": None})

    user = canvas_client.create_user(1, name="Ada Lovelace", short_name="Ada", sortable_name="Lovelace, Ada",
                                     email="ada@example.edu", sis_user_id="C001")

    assert (user.id, user.sis_user_id, user.login_id) == (4711, "C001", "ada@example.edu")


def test_user_and_logins(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/users/4711"), json={"id": 4711, "name": "Ada Lovelace", "sis_user_id": None})
    canvas_mock.get(url("/api/v1/users/4711/logins"), match=_per_page(), json=[
        {"id": 31, "user_id": 4711, "account_id": 1, "unique_id": "ada@example.edu", "sis_user_id": None,
         "integration_id": None, "authentication_provider_id": None, "authentication_provider_type": None,
         "workflow_state": "active", "declared_user_type": None}])

    assert canvas_client.get_user(4711).sis_user_id is None
    [login] = canvas_client.list_user_logins(4711)
    assert (login.unique_id, login.workflow_state) == ("ada@example.edu", "active")


def test_enrol_in_section_with_the_integration_options(canvas_mock, canvas_client, url):
    canvas_mock.post(url("/api/v1/sections/121/enrollments"), match=[matchers.urlencoded_params_matcher({
        "enrollment[user_id]": "4711", "enrollment[type]": "StudentEnrollment",
        "enrollment[enrollment_state]": "invited", "enrollment[limit_privileges_to_course_section]": "true",
        "enrollment[notify]": "true"})], json={**ENROLLMENT, "enrollment_state": "invited"})

    enrollment = canvas_client.enrol_in_section(121, 4711, enrollment_state="invited",
                                                limit_privileges_to_course_section=True, notify=True)

    assert (enrollment.id, enrollment.enrollment_state) == (880, "invited")


def test_list_section_enrollments_with_filters(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/sections/121/enrollments"), match=_per_page(**{
        "state[]": ["active", "invited"], "type[]": "StudentEnrollment", "user_id": "4711"}), json=[ENROLLMENT])

    [enrollment] = canvas_client.list_section_enrollments(121, states=["active", "invited"],
                                                          types=["StudentEnrollment"], user_id=4711)

    assert enrollment.user.login_id == "ada@example.edu"
    assert enrollment.limit_privileges_to_course_section is True


def test_enrollment_state_changes(canvas_mock, canvas_client, url):
    for task, state in (("conclude", "completed"), ("deactivate", "inactive"), ("delete", "deleted")):
        canvas_mock.delete(url("/api/v1/courses/55/enrollments/880"),
                           match=[matchers.query_param_matcher({"task": task})],
                           json={**ENROLLMENT, "enrollment_state": state})
    canvas_mock.put(url("/api/v1/courses/55/enrollments/880/reactivate"), json=ENROLLMENT)

    states = [canvas_client.conclude_enrollment(55, 880).enrollment_state,
              canvas_client.deactivate_enrollment(55, 880).enrollment_state,
              canvas_client.delete_enrollment(55, 880).enrollment_state,
              canvas_client.reactivate_enrollment(55, 880).enrollment_state]

    assert states == ["completed", "inactive", "deleted", "active"]
