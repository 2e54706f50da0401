"""Plain-text tables for a terminal: rows of records, or one record's fields."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["render_record", "render_table"]

CELL_MAX = 40


def render_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Left-aligned columns under a header; long cells are cut with an ellipsis."""
    if not rows:
        return "(none)"
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        max(len(column), *(len(line[index]) for line in cells))
        for index, column in enumerate(columns)
    ]
    lines = [_line(columns, widths), _line(["-" * width for width in widths], widths)]
    lines.extend(_line(line, widths) for line in cells)
    return "\n".join(lines)


def render_record(record: Mapping[str, Any]) -> str:
    """One field a line: the name, then the value."""
    width = max((len(name) for name in record), default=0)
    return "\n".join(f"{name.ljust(width)}  {_text(value)}" for name, value in record.items())


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True))


def _cell(value: Any) -> str:
    text = _text(value).replace("\n", " ")
    return text if len(text) <= CELL_MAX else text[: CELL_MAX - 1] + "…"


def _is_channel(item: Any) -> bool:
    return isinstance(item, dict) and "channel_type" in item and "channel_id" in item


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(item, dict) and "tag" in item for item in value):
        return ", ".join(str(item["tag"]) for item in value)
    if isinstance(value, list) and all(_is_channel(item) for item in value):
        return ", ".join(f"{item['channel_type']}:{item['channel_id']}" for item in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
