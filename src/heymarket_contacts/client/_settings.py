"""The client's settings, read once from the arguments and ``HEYMARKET_*`` variables."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import HeymarketError

__all__ = ["DEFAULT_BASE_URL", "ClientSettings", "load_client_settings"]

DEFAULT_BASE_URL = "https://api.heymarket.com"
LOGGER_NAME = "heymarket_contacts.client"
LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}

#: Each setting and the variable it falls back to.
ENVIRONMENT = {
    "secret_id": "HEYMARKET_SECRET_ID",
    "secret_key": "HEYMARKET_SECRET_KEY",
    "base_url": "HEYMARKET_BASE_URL",
    "log": "HEYMARKET_LOG",
}


@dataclass(frozen=True, slots=True)
class ClientSettings:
    secret_id: str
    secret_key: str
    base_url: str
    log: str | None

    def __repr__(self) -> str:
        return f"ClientSettings(secret_id={self.secret_id!r}, base_url={self.base_url!r})"


def load_client_settings(
    *,
    secret_id: str | None,
    secret_key: str | None,
    base_url: str | None,
    environ: Mapping[str, str] | None,
) -> ClientSettings:
    """Arguments win over the environment; an empty variable counts as unset."""
    env = os.environ if environ is None else environ
    secret_id = secret_id or env.get(ENVIRONMENT["secret_id"])
    secret_key = secret_key or env.get(ENVIRONMENT["secret_key"])
    if not secret_id or not secret_key:
        raise HeymarketError(
            "a Secret ID and Secret Key are needed: pass secret_id= and secret_key=, or set"
            " HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY"
        )
    from_env = not base_url
    url = (base_url or env.get(ENVIRONMENT["base_url"]) or DEFAULT_BASE_URL).strip().rstrip("/")
    _check_base_url(url, "HEYMARKET_BASE_URL" if from_env else "base_url")
    log = (env.get(ENVIRONMENT["log"]) or "").strip().lower() or None
    if log is not None and log not in LOG_LEVELS:
        raise HeymarketError(f"HEYMARKET_LOG must be one of {', '.join(LOG_LEVELS)}, not {log!r}")
    return ClientSettings(secret_id=secret_id, secret_key=secret_key, base_url=url, log=log)


def _check_base_url(url: str, source: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise HeymarketError(f"{source} must be an http:// or https:// URL, not {url!r}")


def configure_logging(level: str | None) -> None:
    """``HEYMARKET_LOG``: set the SDK logger's level, with a stderr handler if none is set up."""
    if level is None:
        return
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(LOG_LEVELS[level])
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
