"""Fixtures shared by the tests that link occurrences to the Canvas simulator over real HTTP."""

import pytest

from webapp.extensions import db
from webapp.models import LmsIntegration, Occurrence
from webapp.services.setup.demo import seed_demo
from webapp.services.integrations.secrets import encrypt


@pytest.fixture
def sim():
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
def integration(sim):
    """An integration reaching the simulator with its admin token, on the wizard's defaults
    (units and tasks; Continuing on start, Competent on completion, 12 months; Sydney time)."""
    from webapp.services.integrations.wizard import defaults

    record = LmsIntegration(**(defaults() | {"name": "Demo Canvas", "base_url": sim.url}),
                            access_token_enc=encrypt(sim.admin_token))
    db.session.add(record)
    db.session.commit()
    return record


@pytest.fixture
def transferred_121(demo, integration, sim, make_user):
    """Occurrence 121 linked, its modules updated and auto-mapped, and all 16 enrolments in Canvas."""
    return link_and_transfer(demo, integration, make_user("setup-admin"))


def link_and_transfer(occurrence, integration, staff):
    """Link the occurrence to its section, update and auto-map its modules, and transfer every
    enrolment to Canvas, as staff do on the occurrence's Canvas page."""
    from webapp.services.canvas_links.link import link_occurrence
    from webapp.services.canvas_links.modules import update_module_list
    from webapp.services.canvas_sync.transfer import run_transfer, start_transfer
    from webapp.services.integrations.connection import canvas_client

    with canvas_client(integration) as client:
        link = link_occurrence(occurrence, integration, client, staff.id)
        update_module_list(link, client, staff.id)
    db.session.commit()
    run, _ = start_transfer(link, [e.id for e in occurrence.enrolments], staff.id)
    db.session.commit()
    run_transfer(run)
    assert run.failed == 0 and run.done == len(occurrence.enrolments)
    return link


def canvas_user_of(code: str) -> int:
    from webapp.models import Client

    return db.session.scalar(db.select(Client.canvas_user_id).where(Client.code == code))
