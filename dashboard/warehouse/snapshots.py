"""Read-only views of ``warehouse.duckdb`` that many threads query at once and that follow
the file when a writer swaps a new one into place (``warehouse/writing.py``).

A :class:`Snapshot` is one opened version of the file: a private in-memory DuckDB instance
with the file attached read-only (``ATTACH … (READ_ONLY)``, not ``duckdb.connect(path)``:
DuckDB caches one database instance per path in a process, so a second ``connect`` after a
swap would hand back the old file). Queries run on cursors (connections to that instance,
one per query at a time) taken from a small pool, so sessions never share a busy connection.

:class:`SnapshotReader` holds the current snapshot and, at most every ``refresh_s`` seconds,
compares the file's stamp (device, inode, size, modification time) with the opened one; when
it changed it opens the new file for the next queries and closes the old snapshot once the
queries still running on it are done.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

ALIAS = "wh"
REFRESH_S = 1.0

Stamp = tuple[int, int, int, int]


def file_stamp(path: Path) -> Stamp:
    """What changes when the file is replaced or rewritten (raises ``OSError`` if absent)."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class Snapshot:
    """One version of the warehouse file, attached read-only in a private DuckDB instance."""

    def __init__(self, path: Path) -> None:
        # Stat before and after attaching: equal stamps mean the attached file is that one.
        while True:
            before = file_stamp(path)
            db = duckdb.connect(":memory:")
            literal = str(path).replace("'", "''")
            db.execute(f"ATTACH '{literal}' AS {ALIAS} (READ_ONLY)")
            db.execute(f"USE {ALIAS}")
            if file_stamp(path) == before:
                break
            db.close()
        self.stamp = before
        self.version = hash(before) & ((1 << 62) - 1)
        self._db = db
        self._idle: list[duckdb.DuckDBPyConnection] = []
        self._busy = 0
        self._retired = False
        self._closed = False
        self._lock = threading.Lock()

    def acquire(self) -> duckdb.DuckDBPyConnection | None:
        """A cursor of this snapshot for one query, or ``None`` if it is already closed."""
        with self._lock:
            if self._closed:
                return None
            self._busy += 1
            if self._idle:
                return self._idle.pop()
            try:
                cursor = self._db.cursor()
            except BaseException:
                self._busy -= 1
                raise
        try:
            cursor.execute(f"USE {ALIAS}")
        except BaseException:
            self.release(cursor, broken=True)
            raise
        return cursor

    def release(self, cursor: duckdb.DuckDBPyConnection, *, broken: bool = False) -> None:
        with self._lock:
            self._busy -= 1
            if broken or self._retired:
                cursor.close()
            else:
                self._idle.append(cursor)
            self._close_if_done()

    def retire(self) -> None:
        """No new queries; closed as soon as the running ones end."""
        with self._lock:
            self._retired = True
            self._close_if_done()

    @property
    def closed(self) -> bool:
        return self._closed

    def _close_if_done(self) -> None:
        if self._retired and self._busy == 0 and not self._closed:
            for cursor in self._idle:
                cursor.close()
            self._idle.clear()
            self._db.close()
            self._closed = True


class SnapshotReader:
    """The current snapshot of ``path``, re-opened when the file is replaced."""

    def __init__(self, path: Path, refresh_s: float = REFRESH_S) -> None:
        self.path = Path(path)
        self.refresh_s = refresh_s
        self._switch = threading.Lock()
        self._current = Snapshot(self.path)
        self._checked = time.monotonic()
        self._closed = False

    def current(self) -> Snapshot:
        """The snapshot new queries use; checks the file at most every ``refresh_s`` seconds."""
        if time.monotonic() - self._checked >= self.refresh_s and not self._closed:
            with self._switch:
                if time.monotonic() - self._checked >= self.refresh_s:
                    self._refresh()
        return self._current

    def _refresh(self) -> None:
        try:
            changed = file_stamp(self.path) != self._current.stamp
            fresh = Snapshot(self.path) if changed else None
        except (OSError, duckdb.Error):
            fresh = None  # the file vanished or is unreadable: keep serving what is open
        if fresh is not None:
            old, self._current = self._current, fresh
            old.retire()
        self._checked = time.monotonic()

    @property
    def version(self) -> int:
        """Identifies the data new queries see: part of the app's cache keys."""
        return self.current().version

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the current snapshot, for one query on this thread."""
        while True:
            snapshot = self.current()
            cursor = snapshot.acquire()
            if cursor is not None:
                break
            if self._closed:
                raise duckdb.ConnectionException("entrepôt fermé")
            self._checked = 0.0  # retired and closed under us: a newer snapshot is current
        try:
            yield cursor
        except BaseException:
            snapshot.release(cursor, broken=True)
            raise
        snapshot.release(cursor)

    def close(self) -> None:
        with self._switch:
            self._closed = True
            self._current.retire()
