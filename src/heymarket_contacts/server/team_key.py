"""The legacy team API key (contract section 2.2): made by the admin service, checked by auth.

A key is 32 random bytes in URL-safe base64 (43 characters, never a dot, so it cannot be
mistaken for a JWT). The database keeps only its SHA-256: a key is shown once, when made.
"""

from __future__ import annotations

import hashlib
import secrets

#: The ``secret_id`` of a :class:`~.principal.Principal` authenticated by a team key.
TEAM_KEY_PRINCIPAL = "team-key"


def new_team_key() -> str:
    return secrets.token_urlsafe(32)


def hash_team_key(key: str) -> str:
    """The SHA-256 (hex) that ``teams.api_key_hash`` holds for ``key``."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
