"""Messages in the command line's words: the options a user types, not the SDK's keyword
arguments or the service's field names (``base_url=`` becomes ``--base-url``)."""

from __future__ import annotations

import re

import click

__all__ = ["option_for", "with_option_names"]

#: A keyword argument as the SDK's messages write it: ``base_url=`` before a space, a comma...
_KEYWORD = re.compile(r"\b([a-z][a-z0-9_]*)=(?=[\s,;)]|$)")

#: ``set base_url=`` or ``pass base_url=`` said of an option: one gives an option.
_SET_OPTION = re.compile(r"\b(?:set|pass) (--[a-z-]+)( or HEYMARKET_)?")


def with_option_names(message: str, *, field: str | None = None) -> str:
    """``message`` with each keyword argument named as the running command's option, and a
    leading ``field`` (``name must be ...``) too."""
    message = _KEYWORD.sub(lambda match: option_for(match[1]) or match[0], message)
    message = _SET_OPTION.sub(_give, message)
    flag = option_for(field) if field else None
    if field and flag and message.startswith(f"{field} "):
        return flag + message[len(field) :]
    return message


def _give(match: re.Match[str]) -> str:
    return f"give {match[1]}" + (" or set HEYMARKET_" if match[2] else "")


def option_for(name: str) -> str | None:
    """The running command's option (or argument) for the parameter or field ``name``."""
    context = click.get_current_context(silent=True)
    if context is None:
        return None
    for param in context.command.params:
        flags = [opt for opt in param.opts if opt.startswith("--")]
        if name == param.name or f"--{name.replace('_', '-')}" in flags:
            return flags[0] if flags else param.human_readable_name
    return None
