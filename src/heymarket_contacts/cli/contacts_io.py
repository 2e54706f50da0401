"""``contacts import`` (CSV or JSON, through the batch call) and ``contacts export``.

A CSV file has a header row. Columns that name a write field are read (``phone``, ``first``,
``last``, ``display_name``, ``email``, ``avatar``, ``external_id``, ``external_ref``,
``assignee_id`` or ``assigned_user_id``, ``inbox_id``, ``is_opted_out``, ``tags``); a column
``custom.<field id or title>`` holds that custom field; other columns (``id``, ``created``...)
are ignored, so an export imports back. An empty cell leaves its field out. ``tags`` lists
tags separated by ``;``, each a tag id or a label of the team.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

import click

from ..client import Client, to_dict
from ..models import BATCH_MAX, Contact
from .api_session import ApiSession, api_command
from .import_progress import ImportProgress
from .import_report import Failure, ImportReport, StoredContacts, phone_key

__all__ = ["TEXT_COLUMNS", "export_contacts", "import_contacts"]

#: The text fields of a contact write, and the CSV columns that carry them.
TEXT_COLUMNS = (
    "phone",
    "first",
    "last",
    "display_name",
    "email",
    "avatar",
    "external_id",
    "external_ref",
)
INT_COLUMNS = {
    "assignee_id": "assignee_id",
    "assigned_user_id": "assignee_id",
    "inbox_id": "inbox_id",
}
EXPORT_COLUMNS = [
    "id",
    "uuid",
    *TEXT_COLUMNS,
    "assignee_id",
    "inbox_id",
    "is_opted_out",
    "tags",
    "created",
    "updated",
]
TRUE, FALSE = {"true", "1", "yes", "y"}, {"false", "0", "no", "n"}


class RowError(ValueError):
    """A row the CLI cannot turn into a write shape; it is reported, not sent."""


class Labels:
    """The team's tags and custom fields by label, fetched once and only if needed."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._tags: dict[str, int] | None = None
        self._fields: dict[str, int] | None = None

    def tag_id(self, token: str) -> int:
        if token.isdigit():
            return int(token)
        if self._tags is None:
            self._tags = {tag.tag.casefold(): tag.id for tag in self._client.tags.list()}
        try:
            return self._tags[token.casefold()]
        except KeyError:
            raise RowError(f"the team has no tag {token!r}") from None

    def field_key(self, name: str) -> str:
        if self._fields is None:
            fields = self._client.contact_fields.list()
            self._fields = {field.title.casefold(): field.id for field in fields}
            self._fields.update({str(field.id): field.id for field in fields})
        try:
            return str(self._fields.get(name) or self._fields[name.casefold()])
        except KeyError:
            raise click.ClickException(
                f"column custom.{name}: the team has no such custom field"
            ) from None


def row_item(row: dict[str, str], labels: Labels) -> dict[str, Any]:
    """A CSV row as a write shape."""
    item: dict[str, Any] = {name: row[name] for name in TEXT_COLUMNS if row.get(name)}
    for column, name in INT_COLUMNS.items():
        if row.get(column):
            item[name] = _integer(row[column], column)
    if row.get("is_opted_out"):
        item["is_opted_out"] = _boolean(row["is_opted_out"])
    if row.get("tags"):
        tokens = [token.strip() for token in row["tags"].split(";") if token.strip()]
        item["tags"] = [{"tag_id": labels.tag_id(token)} for token in tokens]
    custom = {
        labels.field_key(name[len("custom.") :]): value
        for name, value in row.items()
        if isinstance(name, str) and name.startswith("custom.") and value
    }
    if custom:
        item["custom"] = custom
    return item


def json_item(value: Any, labels: Labels) -> Any:
    """A JSON item as sent, with its tags as ids and a read shape's assignee renamed."""
    if not isinstance(value, dict):
        return value
    item = dict(value)
    if "assigned_user_id" in item and "assignee_id" not in item:
        item["assignee_id"] = item.pop("assigned_user_id")
    if isinstance(item.get("tags"), list):
        item["tags"] = [_json_tag(tag, labels) for tag in item["tags"]]
    return item


def _json_tag(tag: Any, labels: Labels) -> Any:
    if isinstance(tag, int) and not isinstance(tag, bool):
        return {"tag_id": tag}
    if isinstance(tag, str):
        return {"tag_id": labels.tag_id(tag)}
    if isinstance(tag, dict) and "tag_id" not in tag and isinstance(tag.get("tag"), str):
        return {"tag_id": labels.tag_id(tag["tag"])}
    return tag


def _integer(text: str, column: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise RowError(f"{column} must be a whole number, not {text!r}") from None


def _boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE | FALSE:
        return value in TRUE
    raise RowError(f"is_opted_out must be true or false, not {text!r}")


def read_items(
    file: IO[str], kind: str, labels: Labels
) -> Iterator[tuple[str, Any, Failure | None]]:
    """Each input item: where it is in the file, the write shape, or why it cannot be sent."""
    if kind == "json":
        try:
            values = json.load(file)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"the file is not JSON: {error}") from None
        if not isinstance(values, list):
            raise click.ClickException("a JSON import is an array of contacts")
        for index, value in enumerate(values):
            yield _converted(f"item {index}", value, json_item, labels)
        return
    reader = csv.DictReader(file)
    for row in reader:
        yield _converted(f"line {reader.line_num}", row, row_item, labels)


def _converted(
    where: str, raw: Any, convert: Callable[[Any, Labels], Any], labels: Labels
) -> tuple[str, Any, Failure | None]:
    try:
        return where, convert(raw, labels), None
    except RowError as error:
        phone = str(raw.get("phone") or "") if isinstance(raw, dict) else ""
        return where, None, Failure(where, phone, "bad_data", str(error))


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option(
    "--format",
    "kind",
    type=click.Choice(["csv", "json"]),
    help="The file's format (default: from its name; csv otherwise).",
)
@click.option(
    "--overwrite", is_flag=True, help="Update contacts whose phone exists (default: skip them)."
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, BATCH_MAX),
    default=250,
    show_default=True,
    help="Contacts per batch call.",
)
@api_command
def import_contacts(
    session: ApiSession, file: IO[str], kind: str | None, overwrite: bool, batch_size: int
) -> None:
    """Import contacts from a CSV or JSON file (- for stdin) through the batch call.

    Shows a progress bar on a terminal and ends with a summary: the rows created, updated,
    skipped (their phone exists; see --overwrite) and failed (exit status 1 when any did).
    """
    kind = kind or ("json" if str(getattr(file, "name", "")).lower().endswith(".json") else "csv")
    progress = ImportProgress()
    with session.client(on_retry=progress.waiting) as client:
        rows = list(read_items(file, kind, Labels(client)))
        report = ImportReport(items=len(rows))
        report.failed.extend(failure for _, _, failure in rows if failure is not None)
        ready = [(where, item) for where, item, failure in rows if failure is None]
        with progress.bar(len(rows), unsent=len(rows) - len(ready)):
            for start in range(0, len(ready), batch_size):
                chunk = ready[start : start + batch_size]
                _import_batch(client, chunk, report, overwrite=overwrite)
                progress.advance(len(chunk))
    if session.as_json:
        click.echo(report.as_json())
    else:
        click.echo("\n".join(report.lines(overwrite=overwrite)))
    if report.failed:
        click.get_current_context().exit(1)


def _import_batch(
    client: Client, chunk: list[tuple[str, Any]], report: ImportReport, *, overwrite: bool
) -> None:
    """One batch call, its phones looked up first, so that its rows can be counted."""
    items = [item for _, item in chunk]
    phones = list(dict.fromkeys(phone for item in items if (phone := phone_key(item))))
    stored = StoredContacts(
        client.v2.contacts.search(phones, channel_type="phone") if phones else []
    )
    answer = client.contacts.batch(items, overwrite=overwrite)
    report.failed.extend(_failure(chunk, failed) for failed in answer)
    failed = {failed.index for failed in answer}
    for index, item in enumerate(items):
        if index not in failed:
            report.count(*stored.write(item, overwrite=overwrite))


def _failure(chunk: list[tuple[str, Any]], failed: Any) -> Failure:
    where, item = chunk[failed.index]
    phone = str(item.get("phone", "")) if isinstance(item, dict) else ""
    return Failure(where, phone, failed.error.error, failed.error.message)


@click.command("export")
@click.option(
    "--format", "kind", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="The file to write (default: stdout).",
)
@click.option("--filter", "filter_text", default="", help="Only contacts matching this text.")
@click.option("--assigned", type=int, metavar="USER_ID", help="Only this user's contacts.")
@api_command
def export_contacts(
    session: ApiSession, kind: str, output: IO[str], filter_text: str, assigned: int | None
) -> None:
    """Write every contact (oldest first) as CSV or as a JSON array."""
    with session.client() as client:
        walk = client.contacts.list(ascending=True, filter=filter_text, assigned=assigned)
        if kind == "json":
            _write_json(walk, output)
            return
        titles = {str(field.id): field.title for field in client.contact_fields.list()}
        _write_csv(walk, titles, output)


def _write_json(contacts: Any, output: IO[str]) -> None:
    output.write("[")
    for index, contact in enumerate(contacts):
        output.write(
            ("\n" if index == 0 else ",\n") + json.dumps(to_dict(contact), ensure_ascii=False)
        )
    output.write("\n]\n")


def _write_csv(contacts: Any, titles: dict[str, str], output: IO[str]) -> None:
    custom_columns = [f"custom.{title}" for title in titles.values()]
    writer = csv.DictWriter(output, [*EXPORT_COLUMNS, *custom_columns], extrasaction="ignore")
    writer.writeheader()
    for contact in contacts:
        writer.writerow(_csv_row(contact, titles))


def _csv_row(contact: Contact, titles: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        name: getattr(contact, name)
        for name in ("id", "uuid", *TEXT_COLUMNS, "inbox_id", "created", "updated")
    }
    row["assignee_id"] = contact.assigned_user_id
    row["is_opted_out"] = "true" if contact.is_opted_out else "false"
    row["tags"] = ";".join(tag.tag for tag in contact.tags)
    for key, value in contact.custom.items():
        row[f"custom.{titles.get(key, key)}"] = value
    return row
