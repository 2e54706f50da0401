"""Turning JSON into wire models, with 400s that say what is wrong and where.

msgspec checks types and limits; on top of that no text may hold U+0000 (PostgreSQL cannot
store it, so neither database takes it).
"""

from __future__ import annotations

import itertools
import re
from typing import Any, TypeVar

import msgspec

from .errors import BadData

T = TypeVar("T")
#: How deep a body may nest arrays and objects: far above any real contact (a v2 bulk body
#: nests 4 levels), far below what would exhaust the decoder's recursion.
MAX_DEPTH = 64
#: Brackets as signed bytes: an opening one +1, a closing one -1; anything else deleted.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
#: A JSON string (skipped whole) or one bracket, for the exact depth of a body.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_FIELD_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
#: How JSON text holds U+0000 (a raw NUL byte is malformed JSON): a body without it has none.
_ESCAPED_NUL = b"\\u0000"
_MISSING_FIELD = re.compile(r"Object missing required field `(\w+)`")


def decode_json(data: bytes, model: type[T], *, check_text: bool = True) -> T:
    """JSON text as ``model``; ``check_text=False`` leaves the NUL check to a later
    :func:`convert` of each item (a batch, whose items fail one by one)."""
    check_depth(data)
    try:
        value = msgspec.json.decode(data, type=model, strict=True)
    except RecursionError:
        raise _too_deep() from None
    except msgspec.ValidationError as error:
        raise _bad_data(error) from None
    except msgspec.DecodeError as error:
        raise BadData(f"the body is not valid JSON: {error}") from None
    except UnicodeDecodeError:
        raise BadData("the body is not valid UTF-8") from None
    if check_text and _ESCAPED_NUL in data:
        _find_nul(msgspec.to_builtins(value), "")
    return value


def check_depth(data: bytes, limit: int = MAX_DEPTH) -> None:
    """A 400 when ``data`` nests arrays and objects deeper than ``limit``. Counting brackets
    outside strings bounds the depth from above; only a body that count does not clear is
    scanned exactly, with its strings skipped."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    if _deepest(data.translate(None, _NOT_BRACKETS)) <= limit:
        return
    outside_strings = b"".join(
        m[0] for m in _STRING_OR_BRACKET.finditer(data) if not m[0].startswith(b'"')
    )
    if _deepest(outside_strings.translate(None, _NOT_BRACKETS)) > limit:
        raise _too_deep(limit)


def _deepest(brackets: bytes) -> int:
    """The deepest nesting of a run of brackets (each step summed in C, not in a loop)."""
    if not brackets:
        return 0
    return max(itertools.accumulate(memoryview(brackets.translate(_STEPS)).cast("b")))


def _too_deep(limit: int = MAX_DEPTH) -> BadData:
    return BadData(f"the body nests arrays and objects deeper than {limit} levels")


def convert(value: Any, model: type[T]) -> T:
    """Already-decoded JSON (one item of a batch) as ``model``."""
    try:
        converted = msgspec.convert(value, model, strict=True)
    except msgspec.ValidationError as error:
        raise _bad_data(error) from None
    _reject_nul(value, "")
    return converted


def _bad_data(error: msgspec.ValidationError) -> BadData:
    """msgspec's ``Expected `str`, got `int` - at `$.first``` as a sentence and a field; a
    missing field is named too (``users[0].id``)."""
    text = str(error)
    located = _FIELD_PATH.search(text)
    sentence = text[: located.start()] if located else text
    path = located["path"] if located else ""
    missing = _MISSING_FIELD.fullmatch(sentence)
    if missing is not None:
        path = f"{path}.{missing[1]}" if path else missing[1]
    if not path:
        return BadData(sentence)
    return BadData(f"{path}: {sentence}", field=path)


def _reject_nul(value: Any, path: str) -> None:
    """A 400 naming where ``value`` holds U+0000; a value whose JSON text has no
    :data:`_ESCAPED_NUL` is clear without walking it."""
    if _ESCAPED_NUL in msgspec.json.encode(value):
        _find_nul(value, path)


def _find_nul(value: Any, path: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise BadData(f"{path or 'the body'} must not contain the NUL character", field=path)
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            _find_nul(key, child)
            _find_nul(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _find_nul(item, f"{path}[{index}]")
