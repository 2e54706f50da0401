"""API secret keys at rest (``server/secret_box.py``): AES-GCM bound to the row, the master key."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from heymarket_contacts.server.secret_box import (
    MasterKeyError,
    SecretBox,
    SecretUnreadable,
    load_master_key,
    new_master_key,
    parse_master_key,
)
from heymarket_contacts.server.store import DatabaseLocation, parse_database_url
from heymarket_contacts.server.store.records import SecretRecord

SECRET_ID = "0c199c6f00ccc5d21e33afe4"
SECRET_KEY = "zS205s5dx8037YkpbYZqQwk0ptbrxxbjDo5uslrNo64"
#: 32 bytes whose standard base64 has both ``+`` and ``/`` (so it differs from url-safe).
KEY = bytes([0xFB, 0xEF, 0xFF] * 10 + [0xFB, 0xEF])
POSTGRES = parse_database_url("postgresql://app@db.example:5432/contacts")


def sealed(box: SecretBox, team_id: int = 7, user_id: int = 3) -> SecretRecord:
    nonce, ciphertext = box.seal(
        secret_id=SECRET_ID, team_id=team_id, user_id=user_id, secret_key=SECRET_KEY
    )
    return SecretRecord(SECRET_ID, team_id, user_id, nonce, ciphertext, 0, None)


def sqlite_at(tmp_path: Path) -> tuple[DatabaseLocation, Path]:
    """A SQLite location in ``tmp_path`` and where its key file goes."""
    database = tmp_path / "contacts.db"
    return parse_database_url(str(database)), Path(f"{database}.key")


# --- sealing -------------------------------------------------------------------------------


def test_seal_then_open_gives_the_key_back() -> None:
    box = SecretBox(KEY)
    assert box.open(sealed(box)) == SECRET_KEY


def test_seal_never_repeats_a_nonce_or_stores_the_key_in_clear() -> None:
    box = SecretBox(KEY)
    first, second = sealed(box), sealed(box)
    assert first.nonce != second.nonce
    assert first.key_ciphertext != second.key_ciphertext
    assert SECRET_KEY.encode() not in first.key_ciphertext


@pytest.mark.parametrize(
    "moved",
    [
        pytest.param({"secret_id": "1c199c6f00ccc5d21e33afe4"}, id="other-secret-id"),
        pytest.param({"team_id": 8}, id="other-team"),
        pytest.param({"user_id": 4}, id="other-user"),
    ],
)
def test_a_ciphertext_moved_to_another_row_does_not_open(moved: dict[str, object]) -> None:
    box = SecretBox(KEY)
    with pytest.raises(SecretUnreadable):
        box.open(replace(sealed(box), **moved))  # type: ignore[arg-type]


def test_another_master_key_does_not_open() -> None:
    record = sealed(SecretBox(KEY))
    with pytest.raises(SecretUnreadable):
        SecretBox(bytes(32)).open(record)


def flip_first_bit(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda r: replace(r, key_ciphertext=r.key_ciphertext[:-1]), id="truncated"),
        pytest.param(
            lambda r: replace(r, key_ciphertext=flip_first_bit(r.key_ciphertext)), id="flipped-bit"
        ),
        pytest.param(lambda r: replace(r, nonce=flip_first_bit(r.nonce)), id="other-nonce"),
        pytest.param(lambda r: replace(r, nonce=b""), id="empty-nonce"),
        pytest.param(lambda r: replace(r, key_ciphertext=b""), id="empty-ciphertext"),
    ],
)
def test_a_damaged_ciphertext_does_not_open(
    damage: Callable[[SecretRecord], SecretRecord],
) -> None:
    box = SecretBox(KEY)
    with pytest.raises(SecretUnreadable):
        box.open(damage(sealed(box)))


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_a_box_needs_a_32_byte_key(size: int) -> None:
    with pytest.raises(MasterKeyError, match="32 bytes"):
        SecretBox(bytes(size))


# --- parsing the master key ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(base64.urlsafe_b64encode(KEY).decode(), id="base64-url-safe"),
        pytest.param(base64.urlsafe_b64encode(KEY).decode().rstrip("="), id="base64-unpadded"),
        pytest.param(base64.standard_b64encode(KEY).decode(), id="base64-standard"),
        pytest.param(KEY.hex(), id="hex"),
        pytest.param(KEY.hex().upper(), id="hex-upper"),
        pytest.param(f"  {KEY.hex()}\n", id="hex-with-whitespace"),
        pytest.param(base64.standard_b64encode(KEY).decode() + "\n", id="base64-with-newline"),
    ],
)
def test_parse_master_key_accepts_base64_and_hex(text: str) -> None:
    assert parse_master_key(text) == KEY


def test_the_standard_and_url_safe_spellings_differ() -> None:
    assert base64.standard_b64encode(KEY) != base64.urlsafe_b64encode(KEY)


def test_new_master_key_parses_and_is_fresh_each_time() -> None:
    first, second = new_master_key(), new_master_key()
    assert len(parse_master_key(first)) == 32
    assert first != second


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(base64.urlsafe_b64encode(bytes(31)).decode(), id="base64-31-bytes"),
        pytest.param(base64.urlsafe_b64encode(bytes(33)).decode(), id="base64-33-bytes"),
        pytest.param(bytes(31).hex(), id="hex-31-bytes"),
        pytest.param(bytes(33).hex(), id="hex-33-bytes"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("not a key", id="words"),
        pytest.param("g" * 64, id="64-non-hex-letters"),
        pytest.param("é" * 43, id="non-ascii"),
        pytest.param(KEY.hex()[:-1], id="hex-odd-length"),
    ],
)
def test_parse_master_key_rejects_other_lengths_and_junk(text: str) -> None:
    with pytest.raises(MasterKeyError, match="HEYMARKET_MASTER_KEY"):
        parse_master_key(text)


# --- loading the master key ----------------------------------------------------------------


@pytest.mark.parametrize("configured", [None, ""])
def test_postgresql_without_a_key_is_refused(configured: str | None) -> None:
    with pytest.raises(MasterKeyError, match="HEYMARKET_MASTER_KEY"):
        load_master_key(configured, POSTGRES)


def test_postgresql_with_a_key_uses_it() -> None:
    assert load_master_key(KEY.hex(), POSTGRES) == KEY


def test_a_configured_junk_key_is_refused() -> None:
    with pytest.raises(MasterKeyError, match="HEYMARKET_MASTER_KEY"):
        load_master_key("junk", POSTGRES)


def test_sqlite_with_a_configured_key_uses_it_and_makes_no_file(tmp_path: Path) -> None:
    location, key_file = sqlite_at(tmp_path)
    assert load_master_key(KEY.hex(), location) == KEY
    assert not key_file.exists()


def test_sqlite_without_a_key_makes_a_private_key_file_and_reuses_it(tmp_path: Path) -> None:
    location, key_file = sqlite_at(tmp_path)
    key = load_master_key(None, location)
    assert len(key) == 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert parse_master_key(key_file.read_text()) == key
    assert load_master_key(None, location) == key


def test_two_sqlite_databases_get_different_keys(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = load_master_key(None, sqlite_at(tmp_path / "a")[0])
    assert load_master_key(None, sqlite_at(tmp_path / "b")[0]) != first


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    location, key_file = sqlite_at(tmp_path)
    key_file.write_text(new_master_key() + "\n")
    os.chmod(key_file, mode)
    with pytest.raises(MasterKeyError) as caught:
        load_master_key(None, location)
    assert str(key_file) in str(caught.value)
    assert "chmod 600" in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("not a key\n", id="words"),
        pytest.param("", id="empty"),
        pytest.param(bytes(31).hex(), id="short"),
    ],
)
def test_a_key_file_with_junk_is_refused(tmp_path: Path, content: str) -> None:
    location, key_file = sqlite_at(tmp_path)
    key_file.write_text(content)
    os.chmod(key_file, 0o600)
    with pytest.raises(MasterKeyError) as caught:
        load_master_key(None, location)
    assert str(key_file) in str(caught.value)
