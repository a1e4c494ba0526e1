"""Accounts: who the token may act for, and who administers them (Test connection, §9)."""

from collections.abc import Sequence

from ..errors import BadResponse
from ..models import Account, Admin
from . import Calls


class AccountCalls(Calls):
    """What the token may do on an account, and who administers it."""

    def get_account(self, account_id: int | str) -> Account:
        return self._get(Account, f"/api/v1/accounts/{account_id}", f"account {account_id}")

    def account_permissions(self, account_id: int | str, names: Sequence[str]) -> dict[str, bool]:
        """Which of `names` the token's user holds on the account; Canvas answers for any caller."""
        what = f"the permissions of this access token's user on account {account_id}"
        body = self._http.call("GET", f"/api/v1/accounts/{account_id}/permissions", what,
                               params=[("permissions[]", name) for name in names])
        if not isinstance(body, dict):
            raise BadResponse(f"The answer for {what} is not what Canvas sends; check the integration's Canvas "
                              f"address.")
        return {name: body.get(name) is True for name in names}

    def list_account_admins(self, account_id: int | str, user_id: int) -> list[Admin]:
        """The account roles this user holds on the account itself (not above or below it); needs
        “Users - manage account memberships” (admins_controller#index)."""
        return self._list(Admin, f"/api/v1/accounts/{account_id}/admins", f"admins of account {account_id}",
                          [("user_id[]", user_id)])
