"""Snapshots of a SQLite database (the emulator): each a file ``<name>.db`` in the folder
``<database>.snapshots`` (mode 0700; files 0600), made by ``VACUUM INTO`` (one consistent
read) and restored by copying its tables back inside one write transaction."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .sql import SqlTransaction
from .sql_emulator import DATA_TABLES


class SqliteSnapshots:
    def __init__(self, database: Path) -> None:
        self.folder = Path(f"{database}.snapshots")

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.db"

    def take(self, reader: sqlite3.Connection, name: str, created_us: int) -> bool:
        target = self.path(name)
        self.folder.mkdir(mode=0o700, exist_ok=True)
        if target.exists():
            return False
        reader.execute("VACUUM INTO ?", (str(target),))
        os.chmod(target, 0o600)
        with sqlite3.connect(target) as copy:
            copy.execute("CREATE TABLE emulator_snapshot (created_us INTEGER NOT NULL)")
            copy.execute("INSERT INTO emulator_snapshot VALUES (?)", (created_us,))
        copy.close()
        return True

    def listed(self) -> list[tuple[str, int, int]]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*.db")):
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as copy:
                (created_us,) = copy.execute("SELECT created_us FROM emulator_snapshot").fetchone()
            copy.close()
            found.append((path.stem, int(created_us), path.stat().st_size))
        return found

    def restore(self, writer: sqlite3.Connection, dialect: object, name: str) -> bool:
        """Into ``writer`` (the caller holds its lock, outside any transaction)."""
        source = self.path(name)
        if not source.exists():
            return False
        writer.execute("ATTACH DATABASE ? AS snapshot", (f"file:{source}?mode=ro",))
        try:
            cursor = writer.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                cursor.execute("PRAGMA defer_foreign_keys = ON")
                tx = SqlTransaction(cursor, dialect)  # type: ignore[arg-type]
                revoked = tx.revoked_secrets()
                for table in reversed(DATA_TABLES):
                    cursor.execute(f"DELETE FROM main.{table}")  # noqa: S608 (a constant)
                for table in DATA_TABLES:
                    cursor.execute(
                        f"INSERT INTO main.{table} SELECT * FROM snapshot.{table}"  # noqa: S608
                    )
                tx.revoke_again(revoked)
            except BaseException:
                writer.rollback()
                raise
            writer.commit()
        finally:
            writer.execute("DETACH DATABASE snapshot")
        return True

    def drop(self, name: str) -> bool:
        target = self.path(name)
        if not target.exists():
            return False
        target.unlink()
        return True
