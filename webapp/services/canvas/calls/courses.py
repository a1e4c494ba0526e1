"""Courses, sections, modules and module progress (§2, §3)."""

from dataclasses import replace

from ..encoding import sis_path_id
from ..errors import NotFound, PermissionDenied, amended
from ..models import Course, Module, ModuleItem, Section, StudentProgress, parse_answer
from . import Calls


class CourseCalls(Calls):
    """Read courses, sections, modules and students' module progress."""

    def get_course(self, course_id: int) -> Course:
        return self._get(Course, f"/api/v1/courses/{course_id}", f"course {course_id}")

    def get_section_by_sis_id(self, sis_section_id: str) -> Section:
        try:
            return self._get(Section, f"/api/v1/sections/{sis_path_id('sis_section_id', sis_section_id)}",
                             f"course section with SIS ID {sis_section_id}")
        except NotFound as exc:
            raise amended(exc, f"{str(exc).rstrip('.')} — set the section's SIS ID to the occurrence ID in "
                                f"Canvas.") from exc

    def list_modules(self, course_id: int, *, with_items: bool = False) -> list[Module]:
        """The course's modules; `with_items` adds each one's items, whose completion requirements
        say whether the module can tell anything about a student (§3.1)."""
        what = f"modules of course {course_id}"
        if not with_items:
            return self._list(Module, f"/api/v1/courses/{course_id}/modules", what)
        modules = self._list(Module, f"/api/v1/courses/{course_id}/modules", what, [("include[]", "items")])
        return [self._with_items(course_id, module, None) for module in modules]

    def get_student_module_states(self, course_id: int, student_id: int) -> list[Module]:
        """Every module with the student's `state`, `completed_at` and item completion (§3.1, §3.3).

        `student_id` is the numeric Canvas user id: Canvas does not resolve SIS ids here.
        """
        try:
            modules = self._list(Module, f"/api/v1/courses/{course_id}/modules",
                                 f"module progress of user {student_id} in course {course_id}",
                                 [("student_id", student_id), ("include[]", "items")])
        except PermissionDenied as exc:
            # Canvas gives the same answer when the user is no student there (§3.1).
            raise amended(exc, f"{str(exc).rstrip('.')}, or user {student_id} is not an active student in "
                                f"course {course_id}.") from exc
        return [self._with_items(course_id, module, student_id) for module in modules]

    def list_student_progress(self, course_id: int) -> list[StudentProgress]:
        """Every student of the course with their course-level counters, 100 a call (§3.2).

        Needs view_all_grades. A course without module requirements answers 400
        (CanvasValidationError): it has no counters to compare.
        """
        what = f"the progress of the students of course {course_id}"
        # A student whose counters Canvas could not work out comes as `"progress": {"error": …}`: left
        # out, so that student alone is read module by module.
        return [parse_answer(StudentProgress, element, what)
                for element in self._http.pages(f"/api/v1/courses/{course_id}/bulk_user_progress", what)
                if not (isinstance(element, dict) and isinstance(element.get("progress"), dict)
                        and "error" in element["progress"])]

    def _with_items(self, course_id: int, module: Module, student_id: int | None) -> Module:
        if module.items is not None:
            return module
        # Canvas leaves items out of modules with more than 100 (older builds: 50), and
        # scoped developer keys may strip include[] (§3.1, §8.1).
        if module.items_count == 0:
            return replace(module, items=())
        whose = f" for user {student_id}" if student_id is not None else ""
        items = self._list(ModuleItem, f"/api/v1/courses/{course_id}/modules/{module.id}/items",
                           f"items of module {module.name}{whose} in course {course_id}",
                           [("student_id", student_id)] if student_id is not None else ())
        return replace(module, items=tuple(items))
