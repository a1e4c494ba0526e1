"""One Canvas account, one student.

A Canvas user linked to two clients mixes two people's records: the transfer enrols both as one
user, a download saves one student's progress onto the other's training plan, and a push renames
the other's account. And the integration acts with an administrator's token, so a Canvas user id
typed on a client could point it at an administrator or a teacher. Every path that links, reads
or writes a student's Canvas user asks here first; the database holds the last line (one client
per Canvas user id, a unique index).
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable

from sqlalchemy import select

from ...extensions import db
from ...models import Client, EnrolmentTransfer
from ..canvas import CanvasClient, CanvasError, PermissionDenied

# Canvas's enrolment types that give a person teaching rights in a course (§5.1).
STAFF_ENROLMENTS = ("TeacherEnrollment", "TaEnrollment", "DesignerEnrollment")


def linked_clients(canvas_user_ids: Iterable[int]) -> dict[int, set[int]]:
    """Canvas user id -> the clients canvaslink already links to it: by the client's Canvas user id,
    or by a transfer."""
    ids = {i for i in canvas_user_ids if i}
    linked: dict[int, set[int]] = defaultdict(set)
    if not ids:
        return linked
    for user_id, client_id in db.session.execute(
            select(Client.canvas_user_id, Client.id).where(Client.canvas_user_id.in_(ids))):
        linked[user_id].add(client_id)
    for user_id, client_id in db.session.execute(
            select(EnrolmentTransfer.canvas_user_id, EnrolmentTransfer.client_id).where(
                EnrolmentTransfer.canvas_user_id.in_(ids), EnrolmentTransfer.client_id.is_not(None))):
        linked[user_id].add(client_id)
    return linked


def _names(client_ids: Iterable[int]) -> str:
    clients = db.session.scalars(select(Client).where(Client.id.in_(set(client_ids)))
                                 .order_by(Client.last_name, Client.first_name)).all()
    return ", ".join(str(client) for client in clients)


def others_of(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """(Canvas user id, client id) -> the other clients linked to that Canvas user, named; read in
    two queries however many pairs (the exceptions list asks for every shared account at once)."""
    pairs = list(pairs)
    linked = linked_clients({user_id for user_id, _ in pairs})
    others = {(user_id, client_id): linked.get(user_id, set()) - {client_id} for user_id, client_id in pairs}
    wanted = set().union(*others.values()) if others else set()
    clients = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(wanted)))} if wanted else {}
    return {pair: ", ".join(str(clients[i]) for i in sorted(ids, key=lambda i: (clients[i].last_name,
                                                                              clients[i].first_name)))
            for pair, ids in others.items() if ids}


def shared_accounts(resolved: Iterable[tuple[Hashable, int, int | None]],
                    linked: dict[int, set[int]] | None = None) -> dict[Hashable, str]:
    """Which of `resolved` (key, client id, Canvas user id) may not go on, and why: every one of a
    group whose clients resolve to one Canvas user, and any whose Canvas user is already linked to
    another client. `linked`: from linked_clients, when the caller has read it."""
    resolved = [(key, client_id, user_id) for key, client_id, user_id in resolved if user_id]
    linked = linked_clients({user_id for _, _, user_id in resolved}) if linked is None else linked
    clients_of: dict[int, set[int]] = defaultdict(set)
    for _, client_id, user_id in resolved:
        clients_of[user_id].add(client_id)
        clients_of[user_id] |= linked.get(user_id, set())
    refused = {}
    for key, client_id, user_id in resolved:
        others = clients_of[user_id] - {client_id}
        if others:
            refused[key] = (f"Canvas user {user_id} is also {_names(others)}'s Canvas account. One Canvas account "
                            "belongs to one student: nothing was sent for either. Check the Canvas user id and "
                            "e-mail on each client's page and correct the wrong one.")
    return refused


def others_on(canvas_user_id: int, client_id: int | None) -> str | None:
    """The other clients linked to this Canvas user, named, or None."""
    others = linked_clients([canvas_user_id]).get(canvas_user_id, set()) - {client_id}
    return _names(others) if others else None


def sis_owner(sis_user_id: str | None, client_id: int | None) -> Client | None:
    """Another client whose code is this SIS user ID (canvaslink gives each student's Canvas login
    their client code as SIS ID)."""
    if not sis_user_id:
        return None
    query = select(Client).where(Client.code == sis_user_id)
    return db.session.scalar(query if client_id is None else query.where(Client.id != client_id))


def staff_role(api: CanvasClient, account_id: int | str, user_id: int) -> str | None:
    """What makes this Canvas user someone the integration must never change as a student: an admin
    role on the integration's account, or a teacher, TA or designer enrolment. Raises CanvasError
    when Canvas will not say, so a caller refuses rather than guesses."""
    admins = api.list_account_admins(account_id, user_id)
    if admins:
        return f"an administrator of Canvas account {account_id} ({', '.join(sorted({a.role for a in admins}))})"
    teaching = api.list_user_enrollments(user_id, types=STAFF_ENROLMENTS)
    if teaching:
        kinds = sorted({e.type.removesuffix("Enrollment") for e in teaching})
        return f"a {' and '.join(kinds).lower()} in {len({e.course_id for e in teaching})} Canvas course(s)"
    return None


def staff_refusal(api: CanvasClient, account_id: int | str, user_id: int) -> str | None:
    """Why canvaslink will not treat this Canvas user as a student, or None."""
    try:
        role = staff_role(api, account_id, user_id)
    except PermissionDenied:
        return (f"canvaslink could not check that Canvas user {user_id} is no administrator or teacher: the "
                "integration's Canvas user lacks “Users - manage account memberships” (or the token lacks the "
                "scope; authorise again on the integration's page 2). Nothing was changed.")
    except CanvasError as err:
        return f"canvaslink could not check that Canvas user {user_id} is no administrator or teacher: {err}"
    if role:
        return (f"Canvas user {user_id} is {role}. canvaslink acts on students' Canvas accounts only, with an "
                "administrator's token, so it never links, renames or changes the login of staff. Nothing was "
                "changed.")
    return None
