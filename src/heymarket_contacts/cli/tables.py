"""Plain-text tables for a terminal: rows of records, or one record's fields.

Nothing is wider than the terminal: a table's widest columns give way first, their cells cut
with an ellipsis; a record's long values wrap under themselves. Widths count what a terminal
shows (a wide character takes two columns, a combining mark none).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["output_width", "render", "render_record", "render_table"]

#: No cell is wider than this, however wide the terminal.
CELL_MAX = 40
#: A column is not cut narrower than this while columns to its right can go instead.
COLUMN_MIN = 4
GAP = "  "
ELLIPSIS = "…"


def output_width() -> int | None:
    """The terminal's width (``COLUMNS`` first); ``None`` (no limit) for a pipe or a file
    when ``COLUMNS`` is not set."""
    if os.environ.get("COLUMNS", "").strip().isdigit() or sys.stdout.isatty():
        return max(shutil.get_terminal_size().columns, 1)
    return None


def render(data: Any, columns: Sequence[str] | None = None, *, width: int | None = None) -> str:
    """A list of records as a table, one record as its fields, anything else as text."""
    if isinstance(data, list):
        return render_table(data, columns or _columns_of(data), width=width)
    if isinstance(data, dict):
        return render_record(data, width=width)
    return str(data)


def render_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, width: int | None = None
) -> str:
    """Left-aligned columns under a header, at most ``width`` wide; long cells are cut with
    an ellipsis."""
    if not rows:
        return "(none)"
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        min(CELL_MAX, max(text_width(column), *(text_width(line[index]) for line in cells)))
        for index, column in enumerate(columns)
    ]
    if width is not None:
        widths = _fit(widths, width)
    lines = [_line(columns, widths), _line(["-" * w for w in widths], widths)]
    lines.extend(_line(line, widths) for line in cells)
    return "\n".join(lines)


def render_record(record: Mapping[str, Any], *, width: int | None = None) -> str:
    """One field a line: the name, then the value (wrapped to ``width``). A field that holds
    a list of records (a team's members) follows as a table of its own."""
    tables = {name: value for name, value in record.items() if _is_records(value)}
    fields = {name: value for name, value in record.items() if name not in tables}
    name_width = max((text_width(name) for name in fields), default=0)
    lines = [_field(name, name_width, _cell(value), width) for name, value in fields.items()]
    for name, rows in tables.items():
        lines.extend(["", name, render_table(rows, _columns_of(rows), width=width)])
    return "\n".join(lines)


def text_width(text: str) -> int:
    """How many terminal columns ``text`` takes."""
    return sum(_char_width(char) for char in text)


def cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, its last one an ellipsis when anything was cut."""
    if text_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += _char_width(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS if width > 0 else ""


def _fit(widths: list[int], width: int) -> list[int]:
    """Column widths whose line (gaps included) is at most ``width``: the widest columns
    narrow first, to ``COLUMN_MIN``; then columns on the right are left out (width 0)."""
    widths = list(widths)
    while _total(widths) > width:
        widest = max(range(len(widths)), key=lambda index: widths[index])
        if widths[widest] > COLUMN_MIN:
            widths[widest] -= 1
            continue
        shown = [index for index, w in enumerate(widths) if w > 0]
        if len(shown) == 1:
            widths[shown[0]] = max(width, 1)
            break
        widths[shown[-1]] = 0
    return widths


def _total(widths: Sequence[int]) -> int:
    shown = [w for w in widths if w > 0]
    return sum(shown) + len(GAP) * max(len(shown) - 1, 0)


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    parts = [_pad(cut(value, w), w) for value, w in zip(values, widths, strict=True) if w > 0]
    return GAP.join(parts).rstrip()


def _pad(text: str, width: int) -> str:
    return text + " " * (width - text_width(text))


def _field(name: str, name_width: int, value: str, width: int | None) -> str:
    prefix = _pad(name, name_width) + GAP
    room = None if width is None else width - text_width(prefix)
    if room is None or text_width(value) <= room:
        return (prefix + value).rstrip()
    if room < COLUMN_MIN:
        return cut(prefix + value, width or 1)
    pieces = textwrap.wrap(value, room, break_on_hyphens=False) or [""]
    indent = "\n" + " " * text_width(prefix)
    return prefix + indent.join(cut(piece, room) for piece in pieces)


def _cell(value: Any) -> str:
    return _printable(_text(value))


def _printable(text: str) -> str:
    """Control characters (a newline, a tab, an escape) as spaces: they would move the cursor."""
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)


def _columns_of(rows: Sequence[Any]) -> list[str]:
    return list(rows[0]) if rows and isinstance(rows[0], dict) else []


def _is_records(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(item, dict) and not _is_tag(item) and not _is_channel(item) for item in value
        )
    )


def _is_tag(item: Any) -> bool:
    return isinstance(item, dict) and "tag" in item


def _is_channel(item: Any) -> bool:
    return isinstance(item, dict) and "channel_type" in item and "channel_id" in item


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(_is_tag(item) for item in value):
        return ", ".join(str(item["tag"]) for item in value)
    if isinstance(value, list) and all(_is_channel(item) for item in value):
        return ", ".join(f"{item['channel_type']}:{item['channel_id']}" for item in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
