"""Canvas's error bodies (reference §10, §8.3), raised anywhere and rendered by the app.

Canvas answers errors in half a dozen shapes; each helper below produces exactly
one of them so a client tested here meets the same bodies it will meet in Canvas.
"""

from typing import Any

# Canvas's realm for API token problems; its presence tells a client to refresh.
BEARER_CHALLENGE = 'Bearer realm="canvas-lms"'


class CanvasError(Exception):
    def __init__(self, status: int, body: Any, headers: dict | None = None):
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found() -> CanvasError:
    return CanvasError(404, {"errors": [{"message": "The specified resource does not exist."}]})


def unauthorized(status: int) -> CanvasError:
    """A permission problem: no WWW-Authenticate, so a client must not refresh."""
    return CanvasError(status, {"status": "unauthorized",
                                "errors": [{"message": "user not authorized to perform that action"}]})


def unauthenticated() -> CanvasError:
    return CanvasError(401, {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]},
                       {"WWW-Authenticate": BEARER_CHALLENGE})


def invalid_token() -> CanvasError:
    return CanvasError(401, {"errors": [{"message": "Invalid access token."}]},
                       {"WWW-Authenticate": BEARER_CHALLENGE})


def bad_request(message: str) -> CanvasError:
    return CanvasError(400, {"message": message})


def search_term_too_short(minimum: int) -> CanvasError:
    return CanvasError(400, {"errors": [{"field": "search_term", "code": "invalid",
                                         "message": f"{minimum} or more characters is required"}]})


def taken(attribute: str, message: str) -> dict:
    """One ActiveModel error entry, as in `{"errors": {attr: [entry]}}`."""
    return _problem(attribute, "taken", message)


# Canvas's Pseudonym validations: 1..100 characters, all printable.
MAX_UNIQUE_ID_LENGTH = 100


def _problem(attribute: str, type_: str, message: str) -> dict:
    return {attribute: [{"attribute": attribute, "type": type_, "message": message}]}


def unique_id_problem(unique_id: str) -> dict | None:
    """The error entry for a login id Canvas refuses (already stripped), else None."""
    if not unique_id:
        return _problem("unique_id", "blank", "can't be blank")
    if len(unique_id) > MAX_UNIQUE_ID_LENGTH:
        return _problem("unique_id", "too_long", f"is too long (maximum is {MAX_UNIQUE_ID_LENGTH} characters)")
    if not unique_id.isprintable():
        return _problem("unique_id", "invalid", "is invalid")
    return None


def unique_id_taken() -> dict:
    return taken("unique_id", "ID already in use for this account and authentication provider")


def sis_user_id_taken(sis_user_id: str) -> dict:
    return taken("sis_user_id", f'SIS ID "{sis_user_id}" is already in use')


def integration_id_taken(integration_id: str) -> dict:
    return taken("integration_id", f'Integration ID "{integration_id}" is already in use')


def internal_error(report_id: int) -> dict:
    return {"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
            "error_report_id": report_id}


def not_module_based() -> CanvasError:
    """courses_controller#bulk_user_progress and #user_progress on a course without requirements."""
    return CanvasError(400, {"error": {"message": "No progress available because this course is not module based "
                                                  "(meaning, it does not have modules and module completion "
                                                  "requirements) or the user is not enrolled as a student in this "
                                                  "course"}})
