"""Server settings (``server/settings.py``) and the database location (``store/location.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from heymarket_contacts.server.settings import (
    BODY_LIMIT_BYTES,
    ENVIRONMENT,
    Settings,
    SettingsError,
    load_settings,
)
from heymarket_contacts.server.store import DatabaseLocation, parse_database_url

EVERY_VARIABLE = {
    "HEYMARKET_DATABASE_URL": "postgresql://app@db.example:5432/contacts",
    "HEYMARKET_HOST": "0.0.0.0",
    "HEYMARKET_PORT": "9000",
    "HEYMARKET_WORKERS": "4",
    "HEYMARKET_CLOCK_SKEW": "0",
    "HEYMARKET_MASTER_KEY": "a-master-key",
    "HEYMARKET_LOG_LEVEL": "warning",
}


def sqlite(path: str) -> DatabaseLocation:
    return DatabaseLocation("sqlite", f"sqlite:///{path}", Path(path))


# --- defaults, environment, flags ----------------------------------------------------------


def test_defaults() -> None:
    assert load_settings({}) == Settings(
        database=sqlite("./heymarket-contacts.db"),
        host="127.0.0.1",
        port=8080,
        workers=1,
        clock_skew=60,
        master_key=None,
        log_level="info",
        body_limit=BODY_LIMIT_BYTES,
    )


def test_every_variable_is_read() -> None:
    assert load_settings(EVERY_VARIABLE) == Settings(
        database=DatabaseLocation("postgresql", EVERY_VARIABLE["HEYMARKET_DATABASE_URL"], Path()),
        host="0.0.0.0",
        port=9000,
        workers=4,
        clock_skew=0,
        master_key="a-master-key",
        log_level="warning",
    )


def test_flags_win_over_the_environment() -> None:
    settings = load_settings(
        EVERY_VARIABLE, database="flag.db", host="::1", port=9001, workers=2, clock_skew=5,
        log_level="debug",
    )  # fmt: skip
    assert settings == Settings(
        database=sqlite("flag.db"),
        host="::1",
        port=9001,
        workers=2,
        clock_skew=5,
        master_key="a-master-key",
        log_level="debug",
    )


def test_flags_left_out_keep_the_environment() -> None:
    settings = load_settings(
        EVERY_VARIABLE, database=None, host=None, port=None, workers=None, clock_skew=None,
        log_level=None,
    )  # fmt: skip
    assert settings == load_settings(EVERY_VARIABLE)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        pytest.param("port", " 8081 ", 8081, id="port-with-spaces"),
        pytest.param("port", "65535", 65535, id="port-highest"),
        pytest.param("workers", "64", 64, id="workers-most"),
        pytest.param("clock_skew", "0", 0, id="clock-skew-zero"),
        pytest.param("clock_skew", "3600", 3600, id="clock-skew-an-hour"),
        pytest.param("log_level", "ERROR", "error", id="log-level-any-case"),
        pytest.param("database_wait", "1", 1, id="database-wait-shortest"),
        pytest.param("database_wait", "3600", 3600, id="database-wait-an-hour"),
    ],
)
def test_edge_values_are_accepted(name: str, value: str, expected: object) -> None:
    variable = ENVIRONMENT[name][0]
    assert getattr(load_settings({variable: value}), name) == expected
    assert getattr(load_settings({}, **{name: value}), name) == expected


BAD_VALUES = [
    pytest.param("port", "x", id="port-not-a-number"),
    pytest.param("port", "70000", id="port-too-high"),
    pytest.param("port", "-1", id="port-negative"),
    pytest.param("port", "80.5", id="port-fraction"),
    pytest.param("workers", "0", id="workers-zero"),
    pytest.param("workers", "65", id="workers-too-many"),
    pytest.param("clock_skew", "-1", id="clock-skew-negative"),
    pytest.param("clock_skew", "abc", id="clock-skew-not-a-number"),
    pytest.param("clock_skew", "3601", id="clock-skew-over-an-hour"),
    pytest.param("log_level", "loud", id="log-level-unknown"),
    pytest.param("database", "ftp://x", id="database-other-scheme"),
    pytest.param("database", ":memory:", id="database-in-memory"),
    pytest.param("database", "sqlite:///:memory:", id="database-in-memory-url"),
    pytest.param("database", "sqlite://nope", id="database-sqlite-two-slashes"),
    pytest.param("database", "   ", id="database-blank"),
]


@pytest.mark.parametrize("value", ["0", "3601", "soon", "2.5"])
def test_a_bad_database_wait_names_its_variable(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^HEYMARKET_DATABASE_WAIT: "):
        load_settings({"HEYMARKET_DATABASE_WAIT": value})


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_variable_names_itself(name: str, value: str) -> None:
    variable, flag = ENVIRONMENT[name]
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert variable in str(caught.value)
    assert flag is not None
    assert flag in str(caught.value)


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_flag_names_itself(name: str, value: str) -> None:
    variable, flag = ENVIRONMENT[name]
    assert flag is not None
    with pytest.raises(SettingsError) as caught:
        load_settings({}, **{name: value})
    assert flag in str(caught.value)
    assert variable in str(caught.value)


def test_a_bad_flag_is_reported_even_when_the_environment_is_good() -> None:
    with pytest.raises(SettingsError, match="--port"):
        load_settings({"HEYMARKET_PORT": "9000"}, port="x")


def test_an_empty_database_flag_is_refused() -> None:
    with pytest.raises(SettingsError, match="--database"):
        load_settings({}, database="")


# --- database locations --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("contacts.db", sqlite("contacts.db"), id="relative-path"),
        pytest.param("/var/lib/hm/x.db", sqlite("/var/lib/hm/x.db"), id="absolute-path"),
        pytest.param("  contacts.db\n", sqlite("contacts.db"), id="path-with-whitespace"),
        pytest.param(
            "sqlite:///relative.db",
            DatabaseLocation("sqlite", "sqlite:///relative.db", Path("relative.db")),
            id="sqlite-url-relative",
        ),
        pytest.param(
            "sqlite:////abs/x.db",
            DatabaseLocation("sqlite", "sqlite:////abs/x.db", Path("/abs/x.db")),
            id="sqlite-url-absolute",
        ),
        pytest.param(
            "postgresql://user:pw@host:5432/db",
            DatabaseLocation("postgresql", "postgresql://user:pw@host:5432/db", Path()),
            id="postgresql",
        ),
        pytest.param(
            "postgres://host/db",
            DatabaseLocation("postgresql", "postgres://host/db", Path()),
            id="postgres-alias",
        ),
    ],
)
def test_parse_database_url(text: str, expected: DatabaseLocation) -> None:
    assert parse_database_url(text) == expected


def test_sqlite_url_paths_are_relative_with_three_slashes_absolute_with_four() -> None:
    assert not parse_database_url("sqlite:///relative.db").path.is_absolute()
    assert parse_database_url("sqlite:////abs/x.db").path.is_absolute()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param(" \t", id="blank"),
        pytest.param(":memory:", id="in-memory"),
        pytest.param("sqlite:///:memory:", id="in-memory-url"),
        pytest.param("sqlite://nope", id="sqlite-two-slashes"),
        pytest.param("sqlite://", id="sqlite-no-path"),
        pytest.param("sqlite:///", id="sqlite-root-only"),
        pytest.param("ftp://x", id="ftp"),
        pytest.param("mysql://user@host/db", id="mysql"),
    ],
)
def test_parse_database_url_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_database_url(text)


# --- handing settings to worker processes --------------------------------------------------


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"database": "sqlite:////abs/x.db", "log_level": "DEBUG"}, id="sqlite-url"),
        pytest.param({"database": "./data/x.db", "port": 0, "clock_skew": 0}, id="dot-path"),
        pytest.param({"database": "postgresql://u:p@h:5432/db", "workers": 8}, id="postgresql"),
    ],
)
def test_environment_round_trips_through_load_settings(flags: dict[str, object]) -> None:
    settings = load_settings({"HEYMARKET_MASTER_KEY": "k"}, **flags)
    again = load_settings(settings.environment())
    assert again == Settings(
        database=again.database,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        clock_skew=settings.clock_skew,
        master_key="k",
        log_level=settings.log_level,
    )
    assert (again.database.kind, again.database.path) == (
        settings.database.kind,
        settings.database.path,
    )
    assert again.environment() == settings.environment()


def test_environment_carries_the_postgresql_url_whole() -> None:
    url = "postgresql://u:p@h:5432/db?sslmode=require"
    assert load_settings({}, database=url).environment()["HEYMARKET_DATABASE_URL"] == url


def test_environment_leaves_out_a_missing_master_key() -> None:
    assert "HEYMARKET_MASTER_KEY" not in load_settings({}).environment()
