"""The simulator's tunable behaviour: latency, faults, throttling, tokens, scopes.

One `Settings` object is shared by every request thread and changed live through
the admin API, `--flags` or `Simulation.configure`; the CLI flags are generated from
the fields below so the three ways to set a number can never drift apart.
"""

import time
from dataclasses import dataclass, field, fields
from typing import Callable

FAULT_KINDS = ("500", "502", "503", "drop", "slow", "malformed")


def _help(text: str) -> dict:
    return {"help": text}


@dataclass
class Settings:
    latency_ms: float = field(default=0.0, metadata=_help(
        "how long every API request takes, the simulator's own work included"))
    jitter_ms: float = field(default=0.0, metadata=_help("extra random delay, uniform in [0, jitter_ms]"))
    fault_rate: float = field(default=0.0, metadata=_help("share of API requests that fail, 0..1"))
    fault_kinds: tuple[str, ...] = field(
        default=FAULT_KINDS, metadata=_help("comma-separated faults to draw from: " + ",".join(FAULT_KINDS)))
    slow_ms: float = field(default=5000.0, metadata=_help("how long a 'slow' fault stalls before answering"))
    throttle_enabled: bool = field(default=True, metadata=_help("apply Canvas's per-token leaky bucket"))
    throttle_hwm: float = field(default=600.0, metadata=_help("bucket level at which requests are refused"))
    throttle_maximum: float = field(default=800.0, metadata=_help("bucket level cap"))
    throttle_outflow: float = field(default=10.0, metadata=_help("units the bucket leaks per second"))
    throttle_up_front_cost: float = field(default=50.0, metadata=_help("units held while a request runs"))
    request_cost: float = field(default=1.0, metadata=_help("units a finished API request costs"))
    token_ttl: int = field(default=3600, metadata=_help("OAuth access token lifetime in seconds; 0 = never expire"))
    unauthorized_status: int = field(
        default=403, metadata=_help("status of 'user not authorized' errors (401 = before api_auth_error_updates)"))
    enforce_scopes: bool = field(
        default=False, metadata=_help("the developer key requires scopes: OAuth needs scope=, tokens are limited"))
    allow_includes: bool = field(
        default=True, metadata=_help("a scope-enforcing key keeps include[] (else only include[]=uuid survives)"))
    granular_permissions: bool = field(default=False, metadata=_help(
        "enrolment rights are granular: enrolling needs add_student_to_course, deactivating or deleting "
        "remove_student_from_course, concluding manage_students or allow_course_admin_actions"))
    random_seed: int = field(default=0, metadata=_help("seed for latency jitter and fault draws"))
    # Not a flag: tests inject a fake clock to drive throttle leak and token expiry.
    clock: Callable[[], float] = field(default=time.time, metadata={"flag": False})

    def update(self, **changes) -> None:
        """Apply changes given as Python values or as strings from a form or JSON."""
        known = {f.name: f for f in tunable_fields()}
        unknown = sorted(set(changes) - set(known) - {"clock"})
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        converted = {name: value if name == "clock" else parse_value(known[name], value)
                     for name, value in changes.items()}
        for name, value in converted.items():
            setattr(self, name, value)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in tunable_fields()}


def tunable_fields():
    return [f for f in fields(Settings) if f.metadata.get("flag", True)]


def parse_value(spec, value):
    """Convert one setting to its field's type; strings come from forms and the CLI."""
    kind = type(spec.default)
    if kind is tuple:
        items = value.split(",") if isinstance(value, str) else list(value)
        items = tuple(item.strip() for item in items if item.strip())
        bad = sorted(set(items) - set(FAULT_KINDS))
        if bad:
            raise ValueError(f"unknown fault kind(s): {', '.join(bad)}")
        return items
    if kind is bool:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    return kind(value)
