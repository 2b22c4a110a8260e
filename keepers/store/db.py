"""Open the store: an engine, its tables, and short transactions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from keepers.store.models import Base


class Store:
    """The journal database. SQLite files get WAL mode so readers never block the keeper."""

    def __init__(self, url: str):
        parsed = make_url(url)
        if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if parsed.drivername.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error: nothing half-written."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


BULK_ROWS = 10_000  # rows per executemany: bounded memory, few round trips


def bulk_upsert(session: Session, table: Table, rows: Sequence[dict[str, Any]], update: bool = True) -> None:
    """Insert `rows` in bulk (one executemany per `BULK_ROWS`); a row whose primary key exists
    replaces the stored one (`update`) or is left out (not `update`). SQLite and PostgreSQL."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"bulk upsert on {dialect}")
    statement = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    if update:
        changing = {
            c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys and c.name in rows[0]
        }
        statement = statement.on_conflict_do_update(index_elements=keys, set_=changing)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    for start in range(0, len(rows), BULK_ROWS):
        session.execute(statement, list(rows[start : start + BULK_ROWS]))


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
