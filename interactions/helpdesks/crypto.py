"""The connection secrets, encrypted at rest with Fernet (key: settings.CONCORD_SECRETS_KEY)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretsKeyMissing(Exception):
    """No usable CONCORD_SECRETS_KEY; the message says what to set."""


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in (settings.CONCORD_SECRETS_KEY or "").split(",") if key.strip()]
    if not keys:
        raise SecretsKeyMissing(
            "Helpdesk connections need CONCORD_SECRETS_KEY (a Fernet key) in the server's "
            "environment; ask whoever runs Concord to set it."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise SecretsKeyMissing(
            "CONCORD_SECRETS_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)."
        ) from None


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretsKeyMissing(
            "The stored helpdesk token cannot be decrypted with CONCORD_SECRETS_KEY (was the key "
            "changed?). Remove the connection and add it again."
        ) from None
