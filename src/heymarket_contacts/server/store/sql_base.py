"""The SQL both databases share, written once over a DB-API cursor.

Statements use ``?`` placeholders; a dialect rewrites them for its driver and supplies the few
expressions that differ (the clock's ``max``, row locks, JSON aggregation).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

#: Values of one ``IN (...)`` list at most (SQLite allows 32,766 parameters a statement).
IN_LIST_MAX = 1000
#: Parameters of a statement with an ``IN`` list that may still be kept prepared.
SHORT_LIST_MAX = 16


class Cursor(Protocol):
    def execute(self, query: Any, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Iterable[Sequence[Any]]) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    placeholder: str
    greatest: str
    for_update: str
    tags_json: str
    notes_json: str
    #: The driver keeps statements prepared; ``prepare=False`` asks it not to.
    prepares: bool = False
    #: ``TRUNCATE`` empties tables (else a ``DELETE`` without ``WHERE``, which SQLite runs as
    #: a truncate when no foreign key or trigger needs each row).
    truncates: bool = False
    #: What a claim's ``SELECT`` ends with so that concurrent claims skip each other's rows.
    skip_locked: str = ""

    def sql(self, query: str) -> str:
        return query if self.placeholder == "?" else query.replace("?", self.placeholder)

    def emptying(self, tables: Sequence[str]) -> list[str]:
        """The statements that empty ``tables`` (children before parents)."""
        if self.truncates:
            return [f"TRUNCATE {', '.join(tables)}"]
        return [f"DELETE FROM {table}" for table in tables]


class SqlBase:
    """One cursor in one transaction, and the dialect to speak to it."""

    def __init__(self, cursor: Cursor, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def _execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(self._dialect.sql(query), params)

    def _all_with_list(self, query: str, params: Sequence[Any]) -> list[Any]:
        """``_all`` for a statement with an ``IN`` list: when the list is long, planned with
        its values each time. A prepared statement may settle on a generic plan made while a
        table was small and, with no ANALYZE since, keep it as the table grows (a batch import
        of 30,000 contacts on PostgreSQL took 37 s instead of 5 s). Planning is a small part of
        a long list's cost; a short one (a single GET's) stays prepared."""
        sql = self._dialect.sql(query)
        if self._dialect.prepares and len(params) > SHORT_LIST_MAX:
            cast(Any, self._cursor).execute(sql, params, prepare=False)  # psycopg's own option
        else:
            self._cursor.execute(sql, params)
        return self._cursor.fetchall()

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert ``rows`` (one driver call; a database may do it its own faster way)."""
        if rows:
            marks = ", ".join("?" * len(columns))
            self._cursor.executemany(
                self._dialect.sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"),
                rows,
            )

    def _one(self, query: str, params: Sequence[Any] = ()) -> Any:
        self._execute(query, params)
        return self._cursor.fetchone()

    def _all(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        self._execute(query, params)
        return self._cursor.fetchall()

    def _known_ids(self, table: str, team_id: int, ids: Iterable[int]) -> set[int]:
        """Which of ``ids`` are rows of ``table`` owned by the team."""
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        marks = ", ".join("?" * len(wanted))
        rows = self._all_with_list(
            f"SELECT id FROM {table} WHERE team_id = ? AND id IN ({marks})",
            (team_id, *wanted),
        )
        return {int(row[0]) for row in rows}
