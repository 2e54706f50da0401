"""Tags: ``POST /v1/tag``, ``GET /v1/tag/{id}``, ``POST /v1/tags``, ``DELETE /v1/tag/{id}``.

A tag's ``updated`` stamp comes from its team's clock, like a contact's, so no two of a team's
tags share one and the ``date`` cursor of ``POST /v1/tags`` never skips a tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from msgspec import UNSET

from ...models import TagCreated, TagDetail, TagListQuery, TagWrite
from ..clock import Clock, parse_rfc3339, rfc3339
from ..errors import BadData, Conflict, NotFound
from ..ids import new_uuid
from ..principal import Principal
from ..store import Transaction, Transactions
from ..store.records import TagDetailRecord
from .contacts import MAX_ID
from .labels import clean_label, label_key

TAGS_PAGE = 30
#: A hex color (#rgb, #rrggbb, #rrggbbaa) or a name: letters and digits, single inner spaces
#: or hyphens ("red", "light-blue", "Sea Green"); the model caps it at 32 characters.
_COLOR = re.compile(
    r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})|[A-Za-z][A-Za-z0-9]*(?:[ -][A-Za-z0-9]+)*"
)


class TagService:
    def __init__(
        self, store: Transactions, clock: Clock, make_uuid: Callable[[], str] = new_uuid
    ) -> None:
        self._store = store
        self._clock = clock
        self._make_uuid = make_uuid

    def create_tag(self, principal: Principal, write: TagWrite) -> TagCreated:
        """A new tag; a label the team has already (in any case) is a 409."""
        label = clean_label(write.tag, "tag")
        color = _check_color(write.color)
        team_id = principal.team_id
        with self._store.write() as tx:
            stamp = tx.advance_team_clock(team_id, self._clock())
            _check_label_free(tx, team_id, label)
            tag = tx.insert_tag(
                team_id, uuid=self._make_uuid(), tag=label, color=color, stamp_us=stamp
            )
        return TagCreated(id=tag.id, rev=tag.rev, uuid=tag.uuid)

    def get_tag(self, principal: Principal, tag_id: int) -> TagDetail:
        with self._store.read() as tx:
            return render_tag(_existing(tx, principal.team_id, tag_id))

    def list_tags(self, principal: Principal, query: TagListQuery) -> list[TagDetail]:
        """Up to 30 tags updated strictly before ``date`` (all, without it), newest first."""
        before_us = None
        if query.date is not UNSET:
            try:
                before_us = parse_rfc3339(query.date)
            except ValueError as error:
                raise BadData(f"date: {error}", field="date") from None
        with self._store.read() as tx:
            tags = tx.list_tags(principal.team_id, before_us=before_us, limit=TAGS_PAGE)
        return [render_tag(tag) for tag in tags]

    def delete_tag(self, principal: Principal, tag_id: int) -> None:
        """Delete the tag; each contact that had it gets a write (``op: "tags"``)."""
        team_id = principal.team_id
        with self._store.write() as tx:
            tx.lock_team(team_id)  # no contact write takes the tag on meanwhile
            _existing(tx, team_id, tag_id)
            contact_ids = tx.contacts_with_tag(team_id, tag_id)
            tx.delete_tag(team_id, tag_id)
            for contact_id in contact_ids:
                stamp = tx.advance_team_clock(team_id, self._clock())
                tx.touch_contact(team_id, contact_id, op="tags", stamp_us=stamp)


def render_tag(tag: TagDetailRecord) -> TagDetail:
    return TagDetail(
        id=tag.id, tag=tag.tag, color=tag.color, team_id=tag.team_id,
        created=rfc3339(tag.created_us), updated=rfc3339(tag.updated_us), rev=tag.rev,
    )  # fmt: skip


def _check_color(color: str) -> str:
    if color and not _COLOR.fullmatch(color):
        raise BadData(
            "color must be empty, a hex color (#rgb, #rrggbb, #rrggbbaa) or a color name"
            " (letters and digits, single inner spaces or hyphens)",
            field="color",
        )
    return color


def _check_label_free(tx: Transaction, team_id: int, label: str) -> None:
    key = label_key(label)
    for tag_id, existing in tx.tag_labels(team_id).items():
        if label_key(existing) == key:
            raise Conflict(
                f"the team has a tag {existing!r} already", field="tag", existing_id=tag_id
            )


def _existing(tx: Transaction, team_id: int, tag_id: int) -> TagDetailRecord:
    tag = tx.get_tag(team_id, tag_id) if 0 < tag_id <= MAX_ID else None
    if tag is None:
        raise NotFound(f"no tag {tag_id}")
    return tag
