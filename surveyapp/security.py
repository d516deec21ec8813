"""Link tokens, draft encryption and password hashing.

A link token is 256 random bits. The database keeps two different one-way
hashes of it (one finds the invitation, one finds the draft) and never the
token, so whoever reads the database can neither open a link nor join a draft
to an invitation. Drafts are sealed with AES-GCM under a key derived from the
token, so they can be read only by the person holding the link.

An invitation's draft is sealed under more than the invitation's token: under a *draft token*, the
invitation's token and a secret the browser that saved it keeps (`draft_token`). The invitation email
alone (forwarded, or read over a shoulder) neither finds the draft nor opens it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 32
_password_hasher = PasswordHasher()  # argon2id with the library's current recommended costs


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _digest(purpose: str, token: str) -> str:
    return hashlib.sha256(f"{purpose}:{token}".encode()).hexdigest()


def invitation_hash(token: str) -> str:
    return _digest("invitation", token)


def open_link_hash(token: str) -> str:
    return _digest("open-link", token)


def draft_key(token: str) -> str:
    return _digest("draft", token)


DRAFT_SEPARATOR = "~"  # never in a token (URL-safe base64), and kept as it is in a URL path


def draft_token(link_token: str, browser_secret: str) -> str:
    """The token an invitation's draft is found and sealed by: the link's token and the browser's secret."""
    return f"{link_token}{DRAFT_SEPARATOR}{browser_secret}"


def split_draft_token(token: str) -> tuple[str, str] | None:
    """(link token, browser secret) of a draft token; None for any other token (an open link's draft)."""
    link, separator, secret = token.partition(DRAFT_SEPARATOR)
    return (link, secret) if separator and link and secret else None


def used_link_key(token: str) -> str:
    """Marks an invitation's link as used; without the token it cannot be matched to the invitation."""
    return _digest("used-link", token)


def _cipher(token: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"surveyapp draft v1").derive(
        token.encode()
    )
    return AESGCM(key)


def seal(token: str, data: dict[str, Any]) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + _cipher(token).encrypt(nonce, json.dumps(data).encode(), None)


def unseal(token: str, payload: bytes) -> dict[str, Any]:
    return json.loads(_cipher(token).decrypt(payload[:12], payload[12:], None))


@functools.lru_cache(maxsize=4)
def _cookie_cipher(secret: str) -> AESGCM:  # one secret per process: derived once, not on every request
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"surveyapp respondent cookie v1").derive(
        secret.encode()
    )
    return AESGCM(key)


def seal_for_cookie(secret: str, data: dict[str, Any]) -> str:
    """Encrypt what the respondent's cookie carries (their token, their name): Flask's session is only signed."""
    nonce = secrets.token_bytes(12)
    sealed = nonce + _cookie_cipher(secret).encrypt(nonce, json.dumps(data).encode(), None)
    return base64.urlsafe_b64encode(sealed).decode()


def unseal_from_cookie(secret: str, sealed: object) -> dict[str, Any] | None:
    """What `seal_for_cookie` sealed with this secret, or None for anything else (tampered, old, another key)."""
    if not isinstance(sealed, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        found = json.loads(_cookie_cipher(secret).decrypt(raw[:12], raw[12:], None))
    except (binascii.Error, ValueError, InvalidTag):
        return None
    return found if isinstance(found, dict) else None


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Spent on unknown emails so that sign-in takes as long whether or not the account exists.
DUMMY_PASSWORD_HASH = _password_hasher.hash("not-a-real-password")
