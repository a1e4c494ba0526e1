"""Encryption of Canvas secrets at rest (client secret, access and refresh tokens).

Keys come from CANVASLINK_ENCRYPTION_KEY (comma-separated Fernet keys, newest first, so a
key can be rotated) or instance/encryption_key, which `make run` generates.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from .. import DomainError


def _fernet() -> MultiFernet:
    keys = current_app.config.get("ENCRYPTION_KEYS") or []
    if not keys:
        raise DomainError("canvaslink has no encryption key for Canvas secrets. Set CANVASLINK_ENCRYPTION_KEY "
                          "(generate one with: python -c 'from cryptography.fernet import Fernet; "
                          "print(Fernet.generate_key().decode())').")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DomainError("A stored Canvas secret cannot be read with this server's encryption key. Set "
                          "CANVASLINK_ENCRYPTION_KEY to the key used when it was saved, or enter the secret "
                          "again.") from None
