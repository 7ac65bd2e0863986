"""The campaign store's two backends: an embedded DuckDB file, or PostgreSQL through a connection pool.

Both give short transactions as context managers yielding a :class:`Tx`
(``execute`` with ``?`` placeholders and bound parameters, ``frame`` for a
pandas frame): ``read()`` and ``write()``. Write transactions are serialised
per store (a process lock on DuckDB, a transaction-level advisory lock on
PostgreSQL), which is what keeps the audit chain whole under concurrent use.

- **DuckDB** (default, ``campaign.duckdb`` in the data folder): one database
  instance per file and process, one cursor per thread. The instance is
  closed after :data:`IDLE_SECONDS` without use, so the CLI, another process or
  a read-only reader can open the file between bursts (DuckDB lets one process
  at a time open it read-write); opening waits (bounded) while another process
  holds it.
- **PostgreSQL** (``ISOLOIR_CAMPAIGN_URL=postgresql://…``): a
  ``psycopg_pool.ConnectionPool`` per URL and process; the URL may set the
  schema with ``options=-csearch_path%3D<schema>``.

The schema is migrated once, when the backend opens (``migrations.migrate``).
Database errors never leave ``dashboard.store`` raw: a conflict is retried by
:func:`retrying` with a bounded backoff, then becomes :class:`StoreBusy`; any
other becomes :class:`StoreError` (French message, the original as ``__cause__``).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dashboard.errors import IsoloirError
from dashboard.store import migrations
from dashboard.store.errors import BUSY_MESSAGE, StoreBusy, StoreError, StoreIntegrityError
from dashboard.store.dialect import DUCKDB, POSTGRESQL, Dialect
from dashboard.files import private_dir, private_file

if TYPE_CHECKING:
    import pandas as pd

IDLE_SECONDS = 1.0  # DuckDB: close the file after this long without use
OPEN_TIMEOUT = 15.0  # DuckDB: how long to wait for another process to release the file
RETRIES = 6  # attempts of a write transaction that hit a conflict
BACKOFF = 0.01  # first wait between attempts, doubled each time (with jitter), capped below
MAX_BACKOFF = 0.25
POOL_MAX = 8

T = TypeVar("T")


class _Conflict(StoreBusy):
    """The transaction conflicted with another and was rolled back: :func:`retrying` runs it again (and a
    function without it says :class:`StoreBusy`)."""


def utc_now() -> datetime:
    """Now, as the store keeps every time: naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _translate(dialect: Dialect, error: BaseException) -> BaseException:
    if isinstance(error, IsoloirError) or not dialect.is_database_error(error):
        return error
    if dialect.is_conflict(error):
        return _Conflict()
    if dialect.is_integrity(error):
        return StoreIntegrityError(f"donnée refusée par le magasin de campagne : {str(error).splitlines()[0][:200]}")
    return StoreError(f"erreur du magasin de campagne : {str(error).splitlines()[0][:200] if str(error) else type(error).__name__}")


class Tx:
    """One open transaction: ``execute`` (``?`` placeholders, bound parameters) returns a cursor to fetch from."""

    def __init__(self, raw: Any, dialect: Dialect, write: bool) -> None:
        self._raw = raw
        self.dialect = dialect
        self.write = write
        self.rewrite = False  # set by a migration that replaced values in place (DuckDB then rewrites the file)

    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
        return self._raw.execute(self.dialect.sql(sql), list(params))

    def frame(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> pd.DataFrame:
        """The query's rows as a pandas frame (column names from the query)."""
        if not self.dialect.postgres:
            return self._raw.execute(sql, list(params)).df()
        import pandas as pd

        cursor = self.execute(sql, params)
        columns = [c.name for c in cursor.description]
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
        return frame.convert_dtypes(dtype_backend="numpy_nullable").astype(
            {c: "int64" for c in columns if str(frame[c].dtype) == "Int64" and not frame[c].isna().any()})


class Backend:
    dialect: Dialect
    key: str

    def __init__(self) -> None:
        self._local = threading.local()  # the transaction open on this thread, if any

    def exists(self) -> bool:
        return True

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._transaction(write=False) as tx:
            yield tx

    @contextmanager
    def write(self) -> Iterator[Tx]:
        with self._transaction(write=True) as tx:
            yield tx

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Tx]:
        current: Tx | None = getattr(self._local, "tx", None)
        if current is not None:  # a nested block joins the open transaction
            if write and not current.write:
                raise RuntimeError("a write transaction cannot open inside a read transaction")
            yield current
            return
        with self._begin(write) as tx:
            self._local.tx = tx
            try:
                yield tx
            finally:
                self._local.tx = None

    def _begin(self, write: bool) -> Any:
        raise NotImplementedError

    def compact(self, tables: tuple[str, ...] = (), *, rewrite: bool = False) -> None:
        """Make deleted rows unreadable from the files; ``rewrite``: a new file / new table files (the purge)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class DuckDBBackend(Backend):
    dialect = DUCKDB

    def __init__(self, path: Path, *, idle_seconds: float = IDLE_SECONDS) -> None:
        super().__init__()
        self.path = Path(path)
        self.key = str(self.path.resolve())
        self.idle_seconds = idle_seconds
        self._state = threading.Lock()  # guards the fields below
        self._writer = threading.RLock()  # one write transaction at a time in this process
        self._con: Any = None
        self._generation = 0
        self._cursors: list[Any] = []
        self._active = 0
        self._last_used = 0.0
        self._reaper: threading.Thread | None = None

    def exists(self) -> bool:
        return self.path.exists()

    def _open(self) -> Any:
        import duckdb

        private_dir(self.path.parent)
        deadline = time.monotonic() + OPEN_TIMEOUT
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path))
                break
            except duckdb.IOException as error:
                if "lock" not in str(error).lower():
                    raise StoreError(f"impossible d'ouvrir le magasin de campagne « {self.path.name} » : {str(error)[:200]}") from error
                if time.monotonic() > deadline:
                    raise StoreBusy("Le magasin de campagne est ouvert par un autre programme : réessayez dans un instant.") from error
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        private_file(self.path)
        try:
            con.execute("BEGIN TRANSACTION")
            tx = Tx(con, self.dialect, True)
            migrations.migrate(tx)
            con.execute("COMMIT")
            if tx.rewrite:  # migration 6 sealed clear values: their old copies must not stay in free blocks
                con.close()
                rewrite_duckdb_file(self.path)
                con = duckdb.connect(str(self.path))
        except BaseException as error:
            con.close()
            raise _translate(self.dialect, error) from error
        return con


    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self._state:
            if self._con is None:
                with self._writer:
                    self._con = self._open()
                self._generation += 1
                self._cursors = []
                if self._reaper is None or not self._reaper.is_alive():
                    self._reaper = threading.Thread(target=self._reap, name=f"isoloir-store-{self.path.name}", daemon=True)
                    self._reaper.start()
            self._active += 1
            local = self._local
            if getattr(local, "generation", None) != self._generation:
                local.cursor = self._con.cursor()
                local.generation = self._generation
                self._cursors.append(local.cursor)
            cursor = local.cursor
        try:
            yield cursor
        finally:
            with self._state:
                self._active -= 1
                self._last_used = time.monotonic()

    def _reap(self) -> None:
        """Close the file once idle, so other processes may open it; ends when closed."""
        while True:
            time.sleep(max(self.idle_seconds / 2, 0.05))
            with self._state:
                if self._con is None:
                    return
                if self._active == 0 and time.monotonic() - self._last_used >= self.idle_seconds:
                    self._close_locked()
                    return

    def _close_locked(self) -> None:
        for cursor in self._cursors:
            try:
                cursor.close()
            except Exception:  # noqa: BLE001, S110 - closing what is already closed
                pass
        self._cursors = []
        if self._con is not None:
            try:
                self._con.close()
            finally:
                self._con = None
                self._generation += 1

    def close(self) -> None:
        """Close the file now (its changes are checkpointed into it): before copying it, in tests and at exit."""
        with self._state:
            self._close_locked()

    def compact(self, tables: tuple[str, ...] = (), *, rewrite: bool = False) -> None:
        """CHECKPOINT; with ``rewrite`` (the purge) also copy the file into a new one (``rewrite_duckdb_file``):
        DuckDB never zeroes the blocks it frees, so deleted rows would stay readable in the old file. Waits until no
        transaction of this process is open, and holds the backend's state lock meanwhile (none starts)."""
        with self._cursor() as cursor, self._writer:
            try:
                cursor.execute("CHECKPOINT")
            except Exception as error:  # noqa: BLE001
                raise _translate(self.dialect, error) from error
        if not rewrite:
            return
        deadline = time.monotonic() + OPEN_TIMEOUT
        while True:
            with self._state:
                if self._active == 0:
                    self._close_locked()
                    rewrite_duckdb_file(self.path)
                    return
            if time.monotonic() > deadline:
                raise StoreBusy(BUSY_MESSAGE)
            time.sleep(0.05)

    @contextmanager
    def _begin(self, write: bool) -> Iterator[Tx]:
        with self._cursor() as cursor, (self._writer if write else nullcontext()):
            try:
                cursor.execute("BEGIN TRANSACTION")
                yield Tx(cursor, self.dialect, write)
            except BaseException as error:
                try:
                    cursor.execute("ROLLBACK")
                except Exception:  # noqa: BLE001, S110 - the transaction may be gone already
                    pass
                translated = _translate(self.dialect, error)
                if translated is error:
                    raise
                raise translated from error
            try:
                cursor.execute("COMMIT")
            except BaseException as error:
                try:
                    cursor.execute("ROLLBACK")
                except Exception:  # noqa: BLE001, S110
                    pass
                raise _translate(self.dialect, error) from error



def rewrite_duckdb_file(path: Path) -> None:
    """Copy a closed DuckDB store into a new file and put it in place: DuckDB never zeroes the blocks it frees,
    so values replaced in place (migration 6 sealing clear ones, a key rotation) would stay in the old file.

    The old file is attached read-write, so no other process can open it during the copy (they wait, as for
    any open); the new file takes its place before that lock is released.
    """
    import duckdb

    fresh = path.with_name(f".{path.name}.rewrite")
    fresh.unlink(missing_ok=True)
    quoted = {"src": str(path).replace("'", "''"), "dst": str(fresh).replace("'", "''")}
    deadline = time.monotonic() + OPEN_TIMEOUT
    con = duckdb.connect()
    try:
        while True:
            try:  # paths from the settings, not user input; DuckDB's ATTACH takes no parameters
                con.execute(f"ATTACH '{quoted['src']}' AS src")
                break
            except duckdb.IOException as error:
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise StoreBusy("Le magasin de campagne est ouvert par un autre programme : réessayez dans un instant.") \
                        from error
                time.sleep(0.1)
        try:
            con.execute(f"ATTACH '{quoted['dst']}' AS dst")
            con.execute("COPY FROM DATABASE src TO dst")
            con.execute("DETACH dst")
        except duckdb.Error as error:
            fresh.unlink(missing_ok=True)
            raise StoreError(f"réécriture du magasin de campagne impossible, fichier inchangé : {str(error)[:200]}") from error
        os.chmod(fresh, os.stat(path).st_mode & 0o777)
        os.replace(fresh, path)  # still holding the old file's lock
        Path(f"{path}.wal").unlink(missing_ok=True)
    finally:
        con.close()


class PostgresBackend(Backend):
    dialect = POSTGRESQL

    def __init__(self, url: str, *, max_size: int = POOL_MAX) -> None:
        super().__init__()
        import psycopg_pool

        self.key = self.url = url
        self._pool = psycopg_pool.ConnectionPool(
            url, min_size=1, max_size=max_size, open=False, configure=self._configure, kwargs={"autocommit": True},
            name="isoloir-campaign",
        )
        self._opened = False
        self._open_lock = threading.Lock()
        self._lock_key = 0

    @staticmethod
    def _configure(con: Any) -> None:
        from psycopg.types.string import TextLoader

        con.adapters.register_loader("json", TextLoader)  # the text as written: the audit chain hashes it

    def _ensure_open(self) -> None:
        if self._opened:
            return
        with self._open_lock:
            if self._opened:
                return
            try:
                self._pool.open(wait=True, timeout=15)
                with self._pool.connection() as con, con.transaction():
                    schema = con.execute("SELECT current_schema()").fetchone()[0]
                    if schema is None:
                        raise StoreError("PostgreSQL : aucun schéma utilisable dans search_path pour le magasin de campagne")
                    self._lock_key = _advisory_key(f"isoloir-campaign:{schema}")
                    con.execute("SELECT pg_advisory_xact_lock(%s)", [self._lock_key])
                    migrations.migrate(Tx(con, self.dialect, True))
            except BaseException as error:
                self._pool.close()
                translated = _translate(self.dialect, error)
                if translated is error:
                    raise
                if isinstance(translated, _Conflict):
                    raise StoreBusy() from error
                raise StoreError(f"PostgreSQL injoignable ou refusé pour le magasin de campagne : {str(error).splitlines()[0][:200]}") \
                    from error
            self._opened = True

    @contextmanager
    def _begin(self, write: bool) -> Iterator[Tx]:
        self._ensure_open()
        try:
            with self._pool.connection() as con, con.transaction():
                if write:
                    # every writer queues here: the audit chain is appended in commit order, checks hold
                    con.execute("SELECT pg_advisory_xact_lock(%s)", [self._lock_key])
                yield Tx(con, self.dialect, write)
        except BaseException as error:
            translated = _translate(self.dialect, error)
            if translated is error:
                raise
            raise translated from error

    def compact(self, tables: tuple[str, ...] = (), *, rewrite: bool = False) -> None:
        """VACUUM ``tables`` (outside a transaction): deleted rows do not linger after the purge; ``rewrite``:
        VACUUM FULL, each table copied into new files and the old ones removed."""
        self._ensure_open()
        verb = "VACUUM FULL" if rewrite else "VACUUM"
        try:
            with self._pool.connection() as con:
                for table in tables:  # fixed names from the caller, not user input
                    con.execute(f"{verb} {table}")
        except Exception as error:  # noqa: BLE001
            raise _translate(self.dialect, error) from error

    def close(self) -> None:
        self._pool.close()
        self._opened = False


def _advisory_key(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


# -- one backend per target and process ------------------------------------------------
_BACKENDS: dict[str, Backend] = {}
_BACKENDS_LOCK = threading.Lock()


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.split("://", 1)[0] in ("postgresql", "postgres")


def backend_for(target: str | Path) -> Backend:
    """The process's backend of ``target`` (a DuckDB file path, or a ``postgresql://`` URL), made on first use."""
    key = str(target) if is_postgres_url(target) else str(Path(target).resolve())
    with _BACKENDS_LOCK:
        backend = _BACKENDS.get(key)
        if backend is None:
            backend = PostgresBackend(str(target)) if is_postgres_url(target) else DuckDBBackend(Path(target))
            _BACKENDS[key] = backend
        return backend


def forget(backend: Backend) -> None:
    """Close ``backend`` and drop it from the process's registry."""
    with _BACKENDS_LOCK:
        if _BACKENDS.get(backend.key) is backend:
            del _BACKENDS[backend.key]
    backend.close()


@atexit.register
def _close_all() -> None:
    """At exit, close every backend from the main thread (a DuckDB file checkpointed; no idle-closer left in C++ code)."""
    with _BACKENDS_LOCK:
        backends = list(_BACKENDS.values())
        _BACKENDS.clear()
    for backend in backends:
        try:
            backend.close()
        except Exception:  # noqa: BLE001, S110 - exiting anyway
            pass


def retrying(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` again when one of its transactions conflicted, with a bounded backoff; then :class:`StoreBusy`.

    Put it on a function whose transactions may all run again: the one that
    conflicted was rolled back, the earlier ones (if any) are repeated.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        delay = BACKOFF
        for attempt in range(RETRIES):
            try:
                return fn(*args, **kwargs)
            except _Conflict as error:
                if attempt == RETRIES - 1:
                    raise StoreBusy() from error
                time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not security
                delay = min(delay * 2, MAX_BACKOFF)
        raise AssertionError("unreachable")

    return wrapper
