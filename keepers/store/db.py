"""Open the store: an engine, its tables, and short transactions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from keepers.config import ConfigError
from keepers.store.models import Base

FIX = "set LAPIDARY_STORE__URL to a writable SQLite file (sqlite:///data/lapidary.db) or a reachable PostgreSQL URL"


class Store:
    """The journal database. SQLite files get WAL mode so readers never block the keeper."""

    def __init__(self, url: str):
        """Open (and create) the store at `url`; ConfigError when the URL cannot be one."""
        try:
            parsed = make_url(url)
        except ArgumentError:  # the URL is not echoed: it may carry a password
            raise ConfigError(f"the store URL is not a database URL; {FIX}") from None
        shown = parsed.render_as_string(hide_password=True)
        try:
            self.engine: Engine = _open(parsed)
        except (ImportError, NoSuchModuleError):
            raise ConfigError(
                f"store {shown}: no database driver for {parsed.drivername!r} is installed; {FIX}"
            ) from None
        except OSError as err:
            raise ConfigError(f"store {shown}: cannot create {err.filename}: {err.strerror}; {FIX}") from None
        except DBAPIError as err:
            reason = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
            raise ConfigError(f"store {shown}: {reason}; {FIX}") from None
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


def _open(url: URL) -> Engine:
    """An engine on `url` with every table created (which is when the database is first reached)."""
    if url.drivername.startswith("sqlite") and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if url.drivername.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        Base.metadata.create_all(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
