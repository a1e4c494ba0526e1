"""Fixtures shared by the tests that link occurrences to the Canvas simulator over real HTTP."""

import pytest

from webapp.extensions import db
from webapp.models import LmsIntegration, Occurrence
from webapp.services.demo import seed_demo
from webapp.services.secrets import encrypt


@pytest.fixture
def canvas():
    from canvas_sim.testing import running_simulator

    with running_simulator(seed="demo") as sim:
        yield sim


@pytest.fixture
def demo(app):
    """The demo RTO: occurrence 121 with clients C0025..C0040, mirrored by the simulator's demo seed."""
    seed_demo({"admin": "x" * 12})
    db.session.commit()
    return db.session.get(Occurrence, 121)


@pytest.fixture
def integration(canvas):
    """An integration reaching the simulator with its admin token (units and tasks)."""
    record = LmsIntegration(name="Demo Canvas", base_url=canvas.url, access_token_enc=encrypt(canvas.admin_token),
                            transfer_units=True, transfer_tasks=True, enrol_mode="active", limit_to_section=True,
                            notify=False, account_id="self", time_zone="Australia/Sydney", started_end_months=12)
    db.session.add(record)
    db.session.commit()
    return record
