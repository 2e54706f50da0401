"""The :class:`~.base.Transaction` contract in SQL, one mixin per resource."""

from __future__ import annotations

from .sql_base import Cursor, Dialect
from .sql_channels import ChannelSql
from .sql_console import ConsoleSql
from .sql_contacts import ContactSql
from .sql_emulator import EmulatorSql
from .sql_fields import FieldSql
from .sql_notes import NoteSql
from .sql_rate import RateSql
from .sql_tags import TagSql
from .sql_teams import TeamSql
from .sql_webhooks import WebhookSql

__all__ = ["Cursor", "Dialect", "SqlTransaction"]


class SqlTransaction(
    TeamSql,
    ContactSql,
    ChannelSql,
    TagSql,
    FieldSql,
    NoteSql,
    RateSql,
    EmulatorSql,
    ConsoleSql,
    WebhookSql,
):
    """Every query of the store over one cursor in one transaction."""
