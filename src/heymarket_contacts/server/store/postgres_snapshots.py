"""Snapshots of a PostgreSQL database (the emulator): each a schema
``emulator_snapshot_<name>`` holding a copy of every table of the data set, taken in one
REPEATABLE READ transaction, and a row of when; restored by TRUNCATE and copying back, in one
transaction."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from .sql import SqlTransaction
from .sql_emulator import DATA_TABLES

PREFIX = "emulator_snapshot_"


def _schema(name: str) -> sql.Identifier:
    return sql.Identifier(f"{PREFIX}{name}")


def take(connection: psycopg.Connection[Any], name: str, created_us: int) -> bool:
    with connection.transaction():
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        exists = connection.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (f"{PREFIX}{name}",)
        ).fetchone()
        if exists:
            return False
        schema = _schema(name)
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
        for table in DATA_TABLES:
            connection.execute(
                sql.SQL("CREATE TABLE {}.{} AS SELECT * FROM public.{}").format(
                    schema, sql.Identifier(table), sql.Identifier(table)
                )
            )
        connection.execute(
            sql.SQL("CREATE TABLE {}.emulator_snapshot AS SELECT %s::bigint AS created_us").format(
                schema
            ),
            (created_us,),
        )
    return True


def listed(connection: psycopg.Connection[Any]) -> list[tuple[str, int, int]]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname",
            (PREFIX,),
        )
    ]
    found = []
    for full in names:
        schema = sql.Identifier(full)
        (created_us,) = connection.execute(  # type: ignore[misc]
            sql.SQL("SELECT created_us FROM {}.emulator_snapshot").format(schema)
        ).fetchone()
        (size,) = connection.execute(  # type: ignore[misc]
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s"
            " AND c.relkind = 'r'",
            (full,),
        ).fetchone()
        found.append((full.removeprefix(PREFIX), int(created_us), int(size)))
    return found


def restore(connection: psycopg.Connection[Any], name: str) -> bool:
    with connection.transaction():
        exists = connection.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (f"{PREFIX}{name}",)
        ).fetchone()
        if not exists:
            return False
        tx = SqlTransaction(connection.cursor(), _dialect())
        revoked = tx.revoked_secrets()
        tables = sql.SQL(", ").join(sql.Identifier("public", table) for table in DATA_TABLES)
        connection.execute(sql.SQL("TRUNCATE {}").format(tables))
        schema = _schema(name)
        for table in DATA_TABLES:
            connection.execute(
                sql.SQL("INSERT INTO public.{} SELECT * FROM {}.{}").format(
                    sql.Identifier(table), schema, sql.Identifier(table)
                )
            )
        tx.revoke_again(revoked)
    return True


def drop(connection: psycopg.Connection[Any], name: str) -> bool:
    with connection.transaction():
        exists = connection.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (f"{PREFIX}{name}",)
        ).fetchone()
        if not exists:
            return False
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(_schema(name)))
    return True


def _dialect() -> Any:
    from .postgres import POSTGRES_DIALECT  # noqa: PLC0415 (postgres.py imports this module)

    return POSTGRES_DIALECT
