"""The server's settings, read once from ``HEYMARKET_*`` variables and command-line flags.

Flags win over the environment. A bad value is a :class:`SettingsError` naming the variable or
flag it came from.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .store.location import DEFAULT_DATABASE, DatabaseLocation, parse_database_url

BODY_LIMIT_BYTES = 1024 * 1024

#: Each setting: its environment variable and its command-line flag.
ENVIRONMENT = {
    "database": ("HEYMARKET_DATABASE_URL", "--database"),
    "database_wait": ("HEYMARKET_DATABASE_WAIT", None),
    "host": ("HEYMARKET_HOST", "--host"),
    "port": ("HEYMARKET_PORT", "--port"),
    "workers": ("HEYMARKET_WORKERS", "--workers"),
    "clock_skew": ("HEYMARKET_CLOCK_SKEW", "--clock-skew"),
    "master_key": ("HEYMARKET_MASTER_KEY", None),
    "log_level": ("HEYMARKET_LOG_LEVEL", "--log-level"),
    "rate_limit": ("HEYMARKET_RATE_LIMIT", "--rate-limit"),
    "redis_url": ("HEYMARKET_REDIS_URL", "--redis-url"),
    "legacy_keys": ("HEYMARKET_LEGACY_KEYS", "--no-legacy-keys"),
    "log_format": ("HEYMARKET_LOG_FORMAT", "--log-format"),
    "metrics": ("HEYMARKET_METRICS", "--metrics"),
    "metrics_token": ("HEYMARKET_METRICS_TOKEN", "--metrics-token"),
    "emulator": ("HEYMARKET_EMULATOR", "--emulator"),
    "emulator_token": ("HEYMARKET_EMULATOR_TOKEN", "--emulator-token"),
    "emulator_journal": ("HEYMARKET_EMULATOR_JOURNAL", "--emulator-journal"),
    "emulator_seed": ("HEYMARKET_EMULATOR_SEED", "--emulator-seed"),
    "emulator_state": ("HEYMARKET_EMULATOR_STATE", None),
    "workers_dir": ("HEYMARKET_WORKERS_DIR", None),
    "console": ("HEYMARKET_CONSOLE", "--no-console"),
    "webhooks_allow_private": ("HEYMARKET_WEBHOOKS_ALLOW_PRIVATE", "--webhooks-allow-private"),
    "webhook_tries": ("HEYMARKET_WEBHOOK_TRIES", "--webhook-tries"),
    "webhook_backoff": ("HEYMARKET_WEBHOOK_BACKOFF", "--webhook-backoff"),
    "webhook_timeout": ("HEYMARKET_WEBHOOK_TIMEOUT", "--webhook-timeout"),
}

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")


class SettingsError(ValueError):
    """A setting has a value the server cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    database: DatabaseLocation
    #: Seconds to wait at start for a PostgreSQL server that does not answer yet.
    database_wait: int = 10
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    clock_skew: int = 60
    master_key: str | None = None
    log_level: str = "info"
    rate_limit: int = 500
    redis_url: str | None = None
    legacy_keys: bool = True
    body_limit: int = BODY_LIMIT_BYTES
    log_format: str = "text"
    metrics: bool = False
    metrics_token: str | None = None
    emulator: bool = False
    emulator_token: str | None = None
    emulator_journal: int = 10_000
    emulator_seed: int | None = None
    #: The file the emulator's journal, faults and clock live in, shared by the workers
    #: (``serve`` makes one; ``None``: the app makes its own).
    emulator_state: str | None = None
    #: The folder where each worker process of the server keeps a file while it serves, for
    #: ``/readyz`` to count them (``serve`` makes one; ``None``: not counted).
    workers_dir: str | None = None
    #: The web console under ``/console`` (contract section 12).
    console: bool = True
    #: Webhooks may go to private, loopback and link-local addresses too.
    webhooks_allow_private: bool = False
    #: Tries of a delivery before it is marked failed.
    webhook_tries: int = 8
    #: Seconds before the first retry; each next one waits twice as long (with jitter).
    webhook_backoff: float = 30.0
    #: Seconds a receiver has to answer a try.
    webhook_timeout: float = 5.0

    def environment(self) -> dict[str, str]:
        """These settings as ``HEYMARKET_*`` variables, for worker processes to read back."""
        values = {
            "database": self.database.url if self.database.kind == "postgresql" else
            str(self.database.path),
            "database_wait": str(self.database_wait),
            "host": self.host, "port": str(self.port), "workers": str(self.workers),
            "clock_skew": str(self.clock_skew), "master_key": self.master_key,
            "log_level": self.log_level,
            "rate_limit": str(self.rate_limit),
            "redis_url": self.redis_url,
            "legacy_keys": "1" if self.legacy_keys else "0",
            "log_format": self.log_format, "metrics": "1" if self.metrics else "0",
            "metrics_token": self.metrics_token, "emulator": "1" if self.emulator else "0",
            "emulator_token": self.emulator_token,
            "emulator_journal": str(self.emulator_journal),
            "emulator_seed": None if self.emulator_seed is None else str(self.emulator_seed),
            "emulator_state": self.emulator_state,
            "workers_dir": self.workers_dir,
            "console": "1" if self.console else "0",
            "webhooks_allow_private": "1" if self.webhooks_allow_private else "0",
            "webhook_tries": str(self.webhook_tries),
            "webhook_backoff": repr(self.webhook_backoff),
            "webhook_timeout": repr(self.webhook_timeout),
        }  # fmt: skip
        return {ENVIRONMENT[name][0]: value for name, value in values.items() if value is not None}


def load_settings(environ: Mapping[str, str], **flags: Any) -> Settings:
    """Settings from ``environ`` overridden by the flags that are not ``None``."""
    given: dict[str, Any] = {
        name: environ[variable]
        for name, (variable, _) in ENVIRONMENT.items()
        if environ.get(variable)  # an empty variable counts as unset
    }
    given.update({name: value for name, value in flags.items() if value is not None})
    settings = Settings(
        database=_parse(given, "database", parse_database_url, DEFAULT_DATABASE),
        database_wait=_parse(given, "database_wait", _integer_between(1, 3600), 10),
        host=_parse(given, "host", _non_empty, "127.0.0.1"),
        port=_parse(given, "port", _integer_between(0, 65535), 8080),
        workers=_parse(given, "workers", _integer_between(1, 64), 1),
        clock_skew=_parse(given, "clock_skew", _integer_between(0, 3600), 60),
        master_key=given.get("master_key"),
        log_level=_parse(given, "log_level", _one_of(LOG_LEVELS), "info"),
        rate_limit=_parse(given, "rate_limit", _integer_between(0, 1_000_000), 500),
        redis_url=_parse(given, "redis_url", _redis_url, None),
        legacy_keys=_parse(given, "legacy_keys", _switch, True),
        log_format=_parse(given, "log_format", _one_of(LOG_FORMATS), "text"),
        metrics=_parse(given, "metrics", _switch, False),
        metrics_token=_parse(given, "metrics_token", _non_empty, None),
        emulator=_parse(given, "emulator", _switch, False),
        emulator_token=_parse(given, "emulator_token", _non_empty, None),
        emulator_journal=_parse(given, "emulator_journal", _integer_between(1, 1_000_000), 10_000),
        emulator_seed=_parse(given, "emulator_seed", _integer_between(0, 2**63 - 1), None),
        emulator_state=_parse(given, "emulator_state", _non_empty, None),
        workers_dir=_parse(given, "workers_dir", _non_empty, None),
        console=_parse(given, "console", _switch, True),
        webhooks_allow_private=_parse(given, "webhooks_allow_private", _switch, False),
        webhook_tries=_parse(given, "webhook_tries", _integer_between(1, 100), 8),
        webhook_backoff=_parse(given, "webhook_backoff", _seconds_between(0.001, 86_400), 30.0),
        webhook_timeout=_parse(given, "webhook_timeout", _seconds_between(0.1, 60), 5.0),
    )
    _check_emulator_access(settings)
    return settings


def _check_emulator_access(settings: Settings) -> None:
    """``--emulator`` on an address others can reach needs ``--emulator-token``."""
    if (
        settings.emulator
        and settings.emulator_token is None
        and not _is_loopback_host(settings.host)
    ):
        raise SettingsError(
            f"--emulator on --host {settings.host} needs --emulator-token (or"
            " HEYMARKET_EMULATOR_TOKEN): its control plane would be open to the network"
        )


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse(given: Mapping[str, Any], name: str, parser: Any, default: Any) -> Any:
    if name not in given:
        return parser(default) if isinstance(default, str) else default
    try:
        return parser(given[name])
    except ValueError as error:
        variable, flag = ENVIRONMENT[name]
        source = f"{flag} / {variable}" if flag else variable
        raise SettingsError(f"{source}: {error}") from None


def _redis_url(value: Any) -> str:
    text = str(value).strip()
    if not text.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"{text!r} is not a redis://, rediss:// or unix:// URL")
    return text


def _switch(value: Any) -> bool:
    """``1``/``true``/``on``/``yes`` or ``0``/``false``/``off``/``no``; a bool as it is."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "on", "yes"):
        return True
    if text in ("0", "false", "off", "no"):
        return False
    raise ValueError(f"{value!r} is not one of 1, 0, true, false, on, off")


def _non_empty(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _integer_between(low: int, high: int) -> Any:
    def parse(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise ValueError(f"{number} is not between {low} and {high}")
        return number

    return parse


def _seconds_between(low: float, high: float) -> Any:
    def parse(value: Any) -> float:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number of seconds") from None
        if not low <= number <= high:  # NaN fails too
            raise ValueError(f"{number} is not between {low} and {high}")
        return number

    return parse


def _one_of(choices: tuple[str, ...]) -> Any:
    def parse(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return text

    return parse
