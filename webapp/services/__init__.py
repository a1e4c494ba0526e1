"""Domain logic. Services flush; their callers (routes, jobs, CLI) commit."""


class DomainError(Exception):
    """A refusal staff can act on. `field` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
