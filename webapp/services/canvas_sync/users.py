"""A client's new name, login and e-mail, pushed to their Canvas user after a preview.

The name always may be pushed; the login and the e-mail only when the integration allows it
(wizard page 2). A login another Canvas user holds stops the push before anything is sent:
canvaslink never makes a second account, and never moves a login between people.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from ...extensions import db
from ...models import Client, EnrolmentTransfer, LmsIntegration, OccurrenceLink
from .. import DomainError
from ..audit import record
from ..canvas import CanvasClient, CanvasError, CanvasValidationError, Login, NotFound, User
from .accounts import MAX_LOGIN
from .sharing import others_on, staff_refusal
from ..integrations.connection import PAGE, canvas_client


@dataclass(frozen=True)
class Change:
    what: str              # "Name", "Login", "E-mail"
    before: str | None     # None: Canvas does not show it to the integration
    after: str
    call: str              # the exact Canvas call


@dataclass
class UserPush:
    """What pushing a client's details would send (the preview), or why it cannot."""

    integration: LmsIntegration
    canvas_user_id: int
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refusal: str | None = None
    login_id: int | None = None    # the login (pseudonym) to change


def integration_of(client: Client) -> LmsIntegration:
    """The integration the client's newest transfer went through."""
    if client.canvas_user_id is None:
        raise DomainError(f"{client.full_name} has no Canvas user yet: transfer an enrolment first.")
    integration = db.session.scalar(
        select(LmsIntegration).join(OccurrenceLink, OccurrenceLink.integration_id == LmsIntegration.id)
        .join(EnrolmentTransfer, EnrolmentTransfer.link_id == OccurrenceLink.id)
        .where(EnrolmentTransfer.client_id == client.id).order_by(EnrolmentTransfer.transferred_at.desc()).limit(1))
    if integration is None:
        raise DomainError(f"No enrolment of {client.full_name} was transferred through an LMS integration that "
                          "still exists, so canvaslink does not know which Canvas to update.")
    return integration


def preview_push(client: Client) -> UserPush:
    """Read the client's Canvas user and logins; list exactly what a push would change."""
    integration = integration_of(client)
    try:
        with canvas_client(integration, PAGE) as api:
            return _preview(api, integration, client)
    except CanvasError as err:
        raise DomainError(f"Canvas could not be read: {err}") from None


def _preview(api: CanvasClient, integration: LmsIntegration, client: Client) -> UserPush:
    push = UserPush(integration, client.canvas_user_id)
    try:
        user = api.get_user(client.canvas_user_id, with_email=True)
    except NotFound:
        push.refusal = (f"Canvas has no user {client.canvas_user_id}. Correct the Canvas user id on the client's "
                        "page; nothing was sent.")
        return push
    push.refusal = _not_theirs(api, integration, client, user)
    if push.refusal:
        return push
    name, sortable = client.full_name, f"{client.last_name}, {client.first_name}"
    if (user.name, user.short_name, user.sortable_name) != (name, name, sortable):
        push.changes.append(Change("Name", user.name, name, f"PUT /api/v1/users/{user.id} user[name]={name} "
                                   f"user[short_name]={name} user[sortable_name]={sortable}"))
    email = (client.email or "").strip()
    login = _login_of(api.list_user_logins(user.id), client, user)
    if not integration.push_login_changes:
        if email and login is not None and login.unique_id.casefold() != email.casefold():
            push.notes.append(f"The Canvas login stays {login.unique_id}: {integration.name} does not allow pushing "
                              "login and e-mail changes (LMS integration, page 2).")
        return push
    if not email:
        push.notes.append("The client has no e-mail address, so the login and e-mail stay as they are in Canvas.")
        return push
    if login is None:
        push.notes.append("canvaslink cannot tell which of the user's Canvas logins is theirs (none has the client "
                          "code as SIS ID): the login stays as it is.")
    elif login.unique_id.casefold() != email.casefold():
        push.refusal = _taken(api, email, user)
        push.login_id = login.id
        push.changes.append(Change("Login", login.unique_id, email, f"PUT /api/v1/accounts/{integration.account_id}"
                                   f"/logins/{login.id} login[unique_id]={email}"))
    if not user.email_shown:
        # Sending it anyway would re-send it on every push, and make a new unconfirmed channel each time.
        push.notes.append(f"The e-mail stays as it is in Canvas: Canvas does not show e-mail addresses to this "
                          f"token, so canvaslink cannot tell whether it already has {email}. {UNREADABLE_EMAIL}")
    elif (user.email or "").casefold() != email.casefold():
        push.changes.append(Change("E-mail", user.email, email, f"PUT /api/v1/users/{user.id} user[email]={email}"))
    return push


UNREADABLE_EMAIL = ("Give the role of the integration's Canvas user “Users - view primary email address” (Admin › root "
                    "account › Permissions); if the developer key enforces scopes, also turn on “Allow Include "
                    "Parameters”.")


def _not_theirs(api: CanvasClient, integration: LmsIntegration, client: Client, user: User) -> str | None:
    """Why this Canvas user is not plainly the client's own account, or None. The push acts with the
    integration's administrator token: it goes only to the user canvaslink itself linked to the client
    (by a transfer, or by SIS user ID = client code), never to another student's or to staff."""
    who = f"Canvas user {user.id} (“{user.name}”)"
    if user.sis_shown and user.sis_user_id and user.sis_user_id != client.code:
        return (f"{who} has SIS user ID {user.sis_user_id}, not {client.full_name}'s client code {client.code}: it is "
                "not their account. Nothing was sent. Check the Canvas user id on the client's page.")
    transferred = db.session.scalar(select(EnrolmentTransfer.id).where(
        EnrolmentTransfer.client_id == client.id, EnrolmentTransfer.canvas_user_id == user.id).limit(1))
    if transferred is None and not (user.sis_shown and user.sis_user_id == client.code):
        return (f"canvaslink did not link {who} to {client.full_name} itself: no enrolment of theirs was transferred "
                f"to it, and its SIS user ID is not {client.code}. Nothing was sent. Transfer an enrolment first, or "
                "ask your Canvas administrator to give that login the client code as SIS ID.")
    others = others_on(user.id, client.id)
    if others:
        return (f"{who} is also linked to {others}. One Canvas account belongs to one student: nothing was sent. "
                "Correct the wrong client's Canvas user id first.")
    return staff_refusal(api, integration.account_id, user.id)


def _login_of(logins: list[Login], client: Client, user: User) -> Login | None:
    """The student's login: the one with their client code as SIS ID, else the one the user shows, else
    their only one."""
    by_sis = [x for x in logins if x.sis_user_id == client.code]
    by_id = [x for x in logins if user.login_id and x.unique_id.casefold() == user.login_id.casefold()]
    for found in (by_sis, by_id, logins):
        if len(found) == 1:
            return found[0]
    return None


def _taken(api: CanvasClient, email: str, user: User) -> str | None:
    if len(email) > MAX_LOGIN or not email.isprintable():
        return (f"Canvas does not accept {email} as a login (at most {MAX_LOGIN} printable characters); nothing "
                "was sent.")
    try:
        holder = api.get_user_by_login_id(email)
    except NotFound:
        return None
    if holder.id == user.id:
        return None
    return (f"The login {email} already belongs to another Canvas user, “{holder.name}” (Canvas user {holder.id}). "
            "Nothing was sent: canvaslink never gives one person's login to another, nor makes a second account. "
            "Check which is right with your Canvas administrator.")


def push(client: Client, actor_id: int) -> UserPush:
    """Send what the preview lists, one call each: the login first (Canvas refuses one that is taken),
    then the names, then the e-mail. Canvas saves names before it turns to an e-mail, which can still
    fail (§12.2), so the two never share a call. Each call is audited with what Canvas saved."""
    integration = integration_of(client)
    with canvas_client(integration, PAGE) as api:
        try:
            planned = _preview(api, integration, client)
        except CanvasError as err:
            raise DomainError(f"Canvas could not be read: {err}") from None
        if planned.refusal:
            raise DomainError(planned.refusal)
        planned.notes = []  # the preview's notes were shown already; these say what happened
        by_what = {change.what: change for change in planned.changes}
        done: list[tuple[Change, str]] = []
        try:
            if "Login" in by_what:
                api.set_login_unique_id(integration.account_id, planned.login_id, by_what["Login"].after)
                done.append((by_what["Login"], "done"))
            if "Name" in by_what:
                name = by_what["Name"].after
                saved = api.update_user(client.canvas_user_id, name=name, short_name=name,
                                        sortable_name=f"{client.last_name}, {client.first_name}")
                done.append((by_what["Name"], "done" if saved.name == name else f"Canvas saved “{saved.name}”"))
            if "E-mail" in by_what:
                api.update_user(client.canvas_user_id, email=by_what["E-mail"].after)
                done.append((by_what["E-mail"], _email_outcome(api, planned, by_what["E-mail"])))
        except CanvasError as err:
            failed = next(change for change in planned.changes if change not in [c for c, _ in done])
            _audit(actor_id, client, failed, f"failed: {err}")
            for change, outcome in done:
                _audit(actor_id, client, change, outcome)
            if isinstance(err, CanvasValidationError) and err.has("taken", "unique_id"):
                raise DomainError(_taken(api, by_what["Login"].after, api.get_user(client.canvas_user_id))
                                  or f"Canvas says the login {by_what['Login'].after} is taken; nothing more was "
                                     "sent.") from None
            went = ", ".join(c.what for c, _ in done)
            raise DomainError(f"Canvas refused {failed.what.lower()}: {err}"
                              + (f" ({went} went through and stay{'s' if len(done) == 1 else ''} saved in "
                                 "Canvas.)" if done else "")) from None
    for change, outcome in done:
        _audit(actor_id, client, change, outcome)
    return planned


def _email_outcome(api: CanvasClient, planned: UserPush, change: Change) -> str:
    """Canvas makes the new address the default but leaves it unconfirmed (§12.2): mail may keep going to
    the old, confirmed one until the student confirms. Staff are told so."""
    try:
        channels = api.list_communication_channels(planned.canvas_user_id)
    except CanvasError:
        return "done; whether the student has confirmed it could not be read"
    channel = next((c for c in channels if c.type == "email" and c.address.casefold() == change.after.casefold()),
                   None)
    if channel is None:
        return "sent, but Canvas lists no such address for the user"
    if channel.workflow_state == "active":
        return "done"
    old = f" to {change.before}" if change.before else ""
    planned.notes.append(f"The new e-mail address {change.after} is unconfirmed in Canvas until the student confirms "
                         f"it (Canvas e-mails them a link). Until then Canvas may keep sending notifications{old}.")
    return "done; unconfirmed until the student confirms it"


def _audit(actor_id: int, client: Client, change: Change, outcome: str) -> None:
    record(actor_id, "client", client.id, "canvas_update",
           f"{change.what} in Canvas: {change.before or '—'} → {change.after} ({outcome})",
           {"trigger": "pushed from the client's page", "call": change.call, "outcome": outcome})
