"""Encryption of API secret keys at rest: AES-256-GCM under the server's master key.

Each ciphertext is bound to its row: the associated data names the secret, its team and its
user, so a ciphertext copied into another row does not decrypt.

The master key comes from ``HEYMARKET_MASTER_KEY`` (32 bytes, base64 or hex). Without it, a
SQLite database keeps its key in a file beside it (``<database>.key``, mode 0600, made on first
use); a PostgreSQL database has no "beside", so the key must be given.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .store.location import DatabaseLocation
from .store.records import SecretRecord

KEY_BYTES = 32
NONCE_BYTES = 12


class MasterKeyError(Exception):
    """The master key is missing, malformed or unsafely stored; the message says how to fix it."""


class SecretUnreadable(Exception):
    """A stored key did not decrypt: another master key, or a ciphertext moved between rows."""


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise MasterKeyError(f"the master key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(master_key)

    def seal(
        self, *, secret_id: str, team_id: int, user_id: int, secret_key: str
    ) -> tuple[bytes, bytes]:
        """``(nonce, ciphertext)`` of ``secret_key`` for the row it will be stored in."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        data = _associated_data(secret_id, team_id, user_id)
        return nonce, self._aead.encrypt(nonce, secret_key.encode(), data)

    def open(self, record: SecretRecord) -> str:
        data = _associated_data(record.secret_id, record.team_id, record.user_id)
        try:
            return self._aead.decrypt(record.nonce, record.key_ciphertext, data).decode()
        except (InvalidTag, ValueError, UnicodeDecodeError):
            raise SecretUnreadable(
                f"the key of secret {record.secret_id} does not decrypt"
            ) from None


def _associated_data(secret_id: str, team_id: int, user_id: int) -> bytes:
    return f"heymarket-contacts/api-secret/v1|{secret_id}|{team_id}|{user_id}".encode()


def load_master_key(configured: str | None, database: DatabaseLocation) -> bytes:
    """The master key: the configured one, else (SQLite only) the key file beside the database."""
    if configured:
        return parse_master_key(configured)
    if database.kind == "postgresql":
        raise MasterKeyError(
            "HEYMARKET_MASTER_KEY is not set: a PostgreSQL database needs a master key to"
            " encrypt API secrets. Make one with `heymarket-contacts master-key` and keep it"
            " in your secret store."
        )
    return _key_file(Path(f"{database.path}.key"))


def parse_master_key(text: str) -> bytes:
    value = text.strip()
    candidates = []
    with contextlib.suppress(ValueError):
        candidates.append(bytes.fromhex(value))
    with contextlib.suppress(binascii.Error, ValueError):
        urlsafe = value.replace("+", "-").replace("/", "_")
        candidates.append(base64.urlsafe_b64decode(urlsafe + "=" * (-len(urlsafe) % 4)))
    for candidate in candidates:
        if len(candidate) == KEY_BYTES:
            return candidate
    raise MasterKeyError(
        f"HEYMARKET_MASTER_KEY must be {KEY_BYTES} random bytes in base64 or hex"
        " (`heymarket-contacts master-key` prints one)"
    )


def new_master_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _key_file(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(new_master_key() + "\n")
    return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MasterKeyError(
            f"the master key file {path} can be read by others (mode {stat.filemode(mode)});"
            f" run `chmod 600 {path}`"
        )
    try:
        return parse_master_key(path.read_text())
    except MasterKeyError:
        raise MasterKeyError(f"the master key file {path} does not hold a valid key") from None
