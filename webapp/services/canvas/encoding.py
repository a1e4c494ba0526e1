"""SIS ids as Canvas path segments (reference §1), and booleans as Canvas reads them in parameters."""

from urllib.parse import quote


def sis_path_id(prefix: str, value: str) -> str:
    """`sis_section_id:CS%2F101%2E11%C3%A9` for prefix `sis_section_id` and value `CS/101.11é`.

    `/` must not split the path, and `.` must be escaped too or Rails reads `.xyz`
    as a response format.
    """
    if not value:
        raise ValueError(f"an empty {prefix} cannot address a Canvas object")
    return f"{prefix}:{quote(value, safe='').replace('.', '%2E')}"


def flag(value: bool) -> str:
    return "true" if value else "false"
