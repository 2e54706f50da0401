"""SQL for v2 contact channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .records import ChannelRecord
from .sql_base import SqlBase

_COLUMNS = (
    "ch.id, ch.team_id, ch.contact_id, c.uuid, ch.channel_type, ch.channel_id, ch.channel_key,"
    " ch.channel_handle, ch.info_channel, ch.is_primary, ch.created_us, ch.updated_us"
)
_FROM = "contact_channels ch JOIN contacts c ON c.id = ch.contact_id"
_INSERT_COLUMNS = (
    "id", "team_id", "contact_id", "channel_type", "channel_id", "channel_key",
    "channel_handle", "info_channel", "is_primary", "created_us", "updated_us",
)  # fmt: skip
#: A contact's channels: its primary ones first, then by age.
_ORDER = "ch.is_primary DESC, ch.created_us, ch.channel_type, ch.channel_key"


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class ChannelSql(SqlBase):
    def contact_id_by_channel(self, team_id: int, channel_type: str, key: str) -> int | None:
        row = self._one(
            "SELECT contact_id FROM contact_channels"
            " WHERE team_id = ? AND channel_type = ? AND channel_key = ?",
            (team_id, channel_type, key),
        )
        return int(row[0]) if row else None

    def channels_of(
        self, team_id: int, contact_ids: Sequence[int]
    ) -> dict[int, list[ChannelRecord]]:
        """The channels of each of the team's contacts in ``contact_ids`` (one query)."""
        found: dict[int, list[ChannelRecord]] = {contact_id: [] for contact_id in contact_ids}
        if not contact_ids:
            return found
        rows = self._all_with_list(
            f"SELECT {_COLUMNS} FROM {_FROM}"
            f" WHERE ch.team_id = ? AND ch.contact_id IN ({_marks(contact_ids)})"
            f" ORDER BY ch.contact_id, {_ORDER}",
            (team_id, *contact_ids),
        )
        for row in rows:
            found[int(row[2])].append(_channel(row))
        return found

    def find_channels(self, team_id: int, keys: Mapping[str, Sequence[str]]) -> list[ChannelRecord]:
        """The team's channels whose key is among ``keys[channel_type]``: one statement for
        every type and value, each branch an index lookup on (team, type, key)."""
        branches = []
        params: list[Any] = []
        for channel_type, wanted in keys.items():
            if wanted:
                branches.append(
                    f"SELECT {_COLUMNS} FROM {_FROM} WHERE ch.team_id = ?"
                    f" AND ch.channel_type = ? AND ch.channel_key IN ({_marks(wanted)})"
                )
                params.extend((team_id, channel_type, *wanted))
        if not branches:
            return []
        rows = self._all_with_list(" UNION ALL ".join(branches), params)
        return [_channel(row) for row in rows]

    def insert_channels(self, channels: Sequence[ChannelRecord]) -> None:
        """Insert new channels (together)."""
        self._insert_many(
            "contact_channels", _INSERT_COLUMNS, [_channel_row(channel) for channel in channels]
        )

    def update_channel(self, channel: ChannelRecord) -> None:
        """Store a channel's value, handle, info and primary flag (its type and ids stay)."""
        self._execute(
            "UPDATE contact_channels SET channel_id = ?, channel_key = ?, channel_handle = ?,"
            " info_channel = ?, is_primary = ?, updated_us = ? WHERE team_id = ? AND id = ?",
            (
                channel.channel_id, channel.channel_key, channel.channel_handle,
                channel.info_channel, channel.is_primary, channel.updated_us, channel.team_id,
                channel.id,
            ),
        )  # fmt: skip

    def delete_channels(self, team_id: int, channel_ids: Sequence[str]) -> None:
        if channel_ids:
            self._execute(
                f"DELETE FROM contact_channels WHERE team_id = ? AND id IN ({_marks(channel_ids)})",
                (team_id, *channel_ids),
            )


def _channel(row: Sequence[Any]) -> ChannelRecord:
    return ChannelRecord(
        id=row[0], team_id=row[1], contact_id=row[2], contact_uuid=row[3], channel_type=row[4],
        channel_id=row[5], channel_key=row[6], channel_handle=row[7], info_channel=row[8],
        is_primary=bool(row[9]), created_us=row[10], updated_us=row[11],
    )  # fmt: skip


def _channel_row(channel: ChannelRecord) -> tuple[Any, ...]:
    return (
        channel.id, channel.team_id, channel.contact_id, channel.channel_type, channel.channel_id,
        channel.channel_key, channel.channel_handle, channel.info_channel, channel.is_primary,
        channel.created_us, channel.updated_us,
    )  # fmt: skip
