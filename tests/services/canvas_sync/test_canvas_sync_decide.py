"""The pure decision of keeping Canvas in step: every standing a student can have, no I/O."""

import itertools

import pytest

from webapp.models import ACCESS_ENDED, ACCESS_LIVE, StatusType
from webapp.services.canvas_sync.decide import (
    CONCLUDE, DEACTIVATE, DELETE, ENDS, ENROL, NOTE_ENDED, NOTE_LIVE, REACTIVATE,
    REENROL, Options, Standing, decide, guard_holds,
)
from webapp.services.canvas_sync.states import ENDED_STATES, LIVE_STATES, MISSING

STATUSES = [None, *StatusType]
STATES = [*LIVE_STATES, *ENDED_STATES, MISSING]


@pytest.mark.parametrize("status", [StatusType.WITHDRAWN, StatusType.CANCELLED, None])
@pytest.mark.parametrize("leave, action", [("conclude", CONCLUDE), ("deactivate", DEACTIVATE), ("delete", DELETE)])
def test_leaving_ends_access_as_the_integration_says(status, leave, action):
    assert decide(Standing(status, True, ACCESS_LIVE, "active"), Options(leave_action=leave)) == action


def test_completing_concludes_only_when_asked_and_always_by_concluding():
    completed = Standing(StatusType.COMPLETED, True, ACCESS_LIVE, "active")
    assert decide(completed, Options()) is None
    assert decide(completed, Options(conclude_on_completed=True, leave_action="delete")) == CONCLUDE


@pytest.mark.parametrize("state, action", [("inactive", REACTIVATE), ("completed", REENROL), ("deleted", REENROL),
                                           ("rejected", REENROL), (MISSING, REENROL), ("active", NOTE_LIVE),
                                           ("invited", NOTE_LIVE)])
def test_coming_back_reopens_what_canvaslink_ended(state, action):
    assert decide(Standing(StatusType.ACTIVE, True, ACCESS_ENDED, state), Options()) == action


@pytest.mark.parametrize("state", [*ENDED_STATES, MISSING])
def test_an_ending_canvas_already_shows_is_only_noted(state):
    assert decide(Standing(StatusType.WITHDRAWN, True, ACCESS_LIVE, state), Options()) == NOTE_ENDED


@pytest.mark.parametrize("state", STATES)
def test_what_a_teacher_did_in_canvas_is_never_undone(state):
    """Active here with access given, or withdrawn with access ended: whatever Canvas shows, nothing is sent."""
    assert decide(Standing(StatusType.ACTIVE, True, ACCESS_LIVE, state), Options()) is None
    assert decide(Standing(StatusType.WITHDRAWN, True, ACCESS_ENDED, state), Options()) is None


def test_new_enrolments_only_when_transferring_new_ones_and_only_active_ones():
    assert decide(Standing(StatusType.ACTIVE), Options()) is None
    assert decide(Standing(StatusType.ACTIVE), Options(transfer_new=True)) == ENROL
    for status in (StatusType.WITHDRAWN, StatusType.CANCELLED, StatusType.COMPLETED):
        assert decide(Standing(status), Options(transfer_new=True, conclude_on_completed=True)) is None


@pytest.mark.parametrize("status, transferred, access, state, options", list(itertools.product(
    STATUSES, [True, False], [ACCESS_LIVE, ACCESS_ENDED], STATES,
    [Options(), Options(leave_action="delete", conclude_on_completed=True, transfer_new=True)])))
def test_every_standing(status, transferred, access, state, options):
    """Calls only ever go one way: an ending only for a student with access in Canvas whom canvaslink gave
    access; a re-opening only of access canvaslink itself ended; never a call when Canvas is already right."""
    action = decide(Standing(status, transferred, access if transferred else None, state if transferred else None),
                    options)
    if action in ENDS:
        assert transferred and access == ACCESS_LIVE and state in LIVE_STATES
    if action in (REACTIVATE, REENROL):
        assert transferred and access == ACCESS_ENDED and state not in LIVE_STATES and status == StatusType.ACTIVE
    if action == ENROL:
        assert not transferred and status == StatusType.ACTIVE


@pytest.mark.parametrize("endings, section, held", [
    (1, 1, False),      # one student is never a mass change, even a whole section of one
    (2, 8, False),      # 25% of 8
    (3, 8, True),       # more than 25% of 8
    (10, 100, False),   # 10 students
    (11, 100, True),    # more than 10 students
    (12, 16, True),
])
def test_the_guard(endings, section, held):
    assert guard_holds(endings, endings, section, Options()) is held


@pytest.mark.parametrize("endings, section_endings, section, held", [
    (25, 9, 67, True),    # issue 22: 2 + 6 + 8 + 9 of 67 in 30 s; the run of 9 is the 25th ending of the day
    (10, 2, 67, False),   # ten a day across the integration, whatever the runs
    (11, 1, 67, True),    # the 11th of the day is held, though it is one student
    (6, 6, 16, True),     # 2 + 2 + 2 of a section of 16: more than 25% of it in a day
    (4, 4, 16, False),
])
def test_the_guard_counts_a_day(endings, section_endings, section, held):
    assert guard_holds(endings, section_endings, section, Options()) is held
