"""Users and their logins (§4)."""

from ..encoding import flag, sis_path_id
from ..errors import BadResponse, CanvasValidationError, NotFound, PermissionDenied, Unavailable, amended
from ..models import CommunicationChannel, Login, User, parse_answer
from . import Calls


class UserCalls(Calls):
    """Find, create and rename students in Canvas, and change their logins."""

    def whoami(self) -> User:
        """The Canvas user the token acts as, for "Test connection"."""
        return self._get(User, "/api/v1/users/self", "the user this access token acts as")

    def get_user(self, user_id: int, *, with_email: bool = False) -> User:
        """`with_email` asks for the default e-mail address too; a scope-enforcing key that does not
        allow include parameters drops the ask, and `email` is then None (§8.1)."""
        what = f"user {user_id}"
        params = [("include[]", "email")] if with_email else []
        return parse_answer(User, self._http.call("GET", f"/api/v1/users/{user_id}", what, params=params), what)

    def get_user_by_sis_id(self, sis_user_id: str) -> User:
        return self._get(User, f"/api/v1/users/{sis_path_id('sis_user_id', sis_user_id)}",
                         f"user with SIS user ID {sis_user_id}")

    def get_user_by_login_id(self, login_id: str) -> User:
        return self._get(User, f"/api/v1/users/{sis_path_id('sis_login_id', login_id)}",
                         f"user with login ID {login_id}")

    def create_user(self, account_id: int | str, *, name: str, email: str, sis_user_id: str,
                    short_name: str | None = None, sortable_name: str | None = None,
                    send_confirmation: bool = True, reactivate: bool = False) -> User:
        """Create a student's user with login = email and SIS user ID = client code (§4.1).

        `send_confirmation` has Canvas email the student a link to set their own password.
        `reactivate` revives a deleted login that still holds this SIS user ID, and its user,
        instead of failing with `sis_user_id` taken (§11.2).
        Creating twice is not safe, so the POST is never retried: when its outcome is unknown
        (no answer, a 5xx) or Canvas says `taken`, the user is looked up by SIS user ID.
        Canvas silently drops the SIS user ID without manage_sis (§11.3): check what came back.
        """
        form = {"user[name]": name, "pseudonym[unique_id]": email, "pseudonym[sis_user_id]": sis_user_id,
                "pseudonym[send_confirmation]": flag(send_confirmation),
                "communication_channel[type]": "email", "communication_channel[address]": email}
        if reactivate:
            form["enable_sis_reactivation"] = "true"
        if short_name:
            form["user[short_name]"] = short_name
        if sortable_name:
            form["user[sortable_name]"] = sortable_name
        what = f"new user {name} (login {email}, SIS user ID {sis_user_id})"
        path = f"/api/v1/accounts/{account_id}/users"
        try:
            return parse_answer(User, self._http.call("POST", path, what, data=form, repeatable=False), what)
        except PermissionDenied as exc:
            if exc.detail.strip() == "{}":  # Canvas's answer to a sub-account admin (§11.4)
                raise amended(exc, "Canvas refused to create the user: the integration's Canvas user is an admin "
                                    "of a sub-account only. Users live in the root account: authorise the "
                                    "integration as an admin of the root account.") from exc
            raise
        except (Unavailable, BadResponse, CanvasValidationError) as exc:
            if isinstance(exc, CanvasValidationError) and not exc.has("taken"):
                raise
            try:
                return self.get_user_by_sis_id(sis_user_id)
            except NotFound:
                raise exc from None

    def list_user_logins(self, user_id: int) -> list[Login]:
        return self._list(Login, f"/api/v1/users/{user_id}/logins", f"logins of user {user_id}")

    def set_login_sis_user_id(self, account_id: int | str, login_id: int, sis_user_id: str) -> Login:
        """Give an existing login a SIS user ID (§4.3); needs manage_sis and the root account."""
        what = f"the SIS user ID {sis_user_id} for login {login_id}"
        return parse_answer(Login, self._http.call("PUT", f"/api/v1/accounts/{account_id}/logins/{login_id}", what,
                                             data={"login[sis_user_id]": sis_user_id}), what)

    def set_login_unique_id(self, account_id: int | str, login_id: int, unique_id: str) -> Login:
        """Change what a student signs in with (§4.3). A login another user holds is refused with
        `unique_id` taken (CanvasValidationError.has("taken", "unique_id")): Canvas never merges."""
        what = f"the login {unique_id} for login {login_id}"
        return parse_answer(Login, self._http.call("PUT", f"/api/v1/accounts/{account_id}/logins/{login_id}", what,
                                             data={"login[unique_id]": unique_id}), what)

    def update_user(self, user_id: int, *, name: str | None = None, short_name: str | None = None,
                    sortable_name: str | None = None, email: str | None = None) -> User:
        """Rename a user or change their default e-mail address (users#update).

        Canvas keeps the old `short_name` (the name shown in discussions and messages) when only
        `name` changes, so a rename sends all three names. `email` needs the right to manage user
        details: without it Canvas refuses the whole request, names included. Canvas saves the names
        before it turns to the e-mail, which may still fail (§12.2): send the two separately.
        """
        fields = {"name": name, "short_name": short_name, "sortable_name": sortable_name, "email": email}
        form = {f"user[{key}]": value for key, value in fields.items() if value is not None}
        what = f"the name and e-mail address of user {user_id}"
        return parse_answer(User, self._http.call("PUT", f"/api/v1/users/{user_id}", what, data=form), what)

    def list_communication_channels(self, user_id: int) -> list[CommunicationChannel]:
        """The user's addresses, default first, with whether each is confirmed (§12.2)."""
        return self._list(CommunicationChannel, f"/api/v1/users/{user_id}/communication_channels",
                          f"the e-mail addresses of user {user_id}")
