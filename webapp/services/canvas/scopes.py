"""The Canvas API scopes canvaslink asks for (reference §8.1, §11.1).

A developer key with "Enforce scopes" refuses an authorisation request that names no scope,
and answers "Insufficient scopes" to any call outside the scopes the token was granted. So we
request exactly the routes the client calls, written as Canvas writes them in routes.rb
(`url:<METHOD>|/api/v1/...` with Canvas's own parameter names). `tests/services/canvas` runs every
flow against a scope-enforcing simulator: a call missing here fails there.
"""

import re

ROUTES = (
    ("GET", "/api/v1/users/:id"),                                # whoami (users/self), by id, SIS id or login
    ("PUT", "/api/v1/users/:id"),                                # push a student's new name or e-mail
    ("GET", "/api/v1/users/:user_id/communication_channels"),    # is a pushed e-mail address confirmed yet?
    ("POST", "/api/v1/accounts/:account_id/users"),              # create a student
    ("GET", "/api/v1/users/:user_id/logins"),                    # find the login to give a SIS ID
    ("PUT", "/api/v1/accounts/:account_id/logins/:id"),          # set that SIS ID; push a new login
    ("GET", "/api/v1/users/:user_id/enrollments"),              # a student's Canvas user teaches nowhere
    ("GET", "/api/v1/accounts/:account_id/admins"),              # ... and administers nothing
    ("GET", "/api/v1/accounts/:id"),                             # Test connection: admin of the root account?
    ("GET", "/api/v1/accounts/:account_id/permissions"),         # Test connection: each right the flows need
    ("GET", "/api/v1/courses/:id"),                              # link: the section's course
    ("GET", "/api/v1/sections/:id"),                             # link: the section whose SIS ID is the occurrence
    ("GET", "/api/v1/courses/:course_id/modules"),               # module list and each student's progress
    ("GET", "/api/v1/courses/:course_id/modules/:module_id/items"),  # items when include[] is stripped
    ("GET", "/api/v1/courses/:course_id/bulk_user_progress"),    # incremental download: who progressed
    ("POST", "/api/v1/sections/:section_id/enrollments"),        # enrol a student
    ("GET", "/api/v1/sections/:section_id/enrollments"),         # each student's enrolment state in Canvas
    ("DELETE", "/api/v1/courses/:course_id/enrollments/:id"),    # conclude, deactivate or delete on leaving
    ("PUT", "/api/v1/courses/:course_id/enrollments/:id/reactivate"),  # a deactivated student comes back
    ("GET", "/api/v1/courses/:course_id/assignments"),           # assessments: the course's assignments
    ("GET", "/api/v1/sections/:section_id/students/submissions"),  # grades, a section's students at a time
    ("GET", "/api/v1/courses/:course_id/grading_standards"),     # a letter grade's scheme, owned by the course
    ("GET", "/api/v1/accounts/:account_id/grading_standards"),   # ... or by an account above it
)

SCOPES = tuple(f"url:{method}|{path}" for method, path in ROUTES)

_PATTERNS = tuple((method, re.compile("^" + re.sub(r":\w+", "[^/]+", path) + "$"), f"url:{method}|{path}")
                  for method, path in ROUTES)


def scope_for(method: str, path: str) -> str | None:
    """The scope that allows `GET /api/v1/courses/55/modules` (a concrete path), if we request one."""
    path = path.split("?", 1)[0]
    return next((scope for m, pattern, scope in _PATTERNS if m == method and pattern.match(path)), None)
