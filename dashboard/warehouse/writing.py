"""Writes while the app runs: writers change a copy of ``warehouse.duckdb`` and swap it in.

The app keeps the warehouse open read-only for its whole life (a shared DuckDB lock), so a
writer never opens ``warehouse.duckdb`` itself. Instead:

1. writers queue on an exclusive ``flock`` of ``warehouse.lock`` beside the file (a French
   :class:`WarehouseBusy` after ``timeout`` seconds, never a traceback);
2. the current file is copied to a hidden temporary file in the same folder, which the writer
   opens read-write and changes (the importers still use one transaction);
3. on success the copy is checkpointed, closed, flushed to disk and ``os.replace``-d onto
   ``warehouse.duckdb`` (atomic on POSIX): readers see either the old file or the new one,
   never a half-written state, and notice the new one within a second
   (``warehouse/snapshots.py``);
4. on any failure the copy is deleted and the warehouse is exactly as it was (not even created
   when there was none).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from dashboard.errors import IsoloirError
from dashboard.warehouse.database import Warehouse
from dashboard.files import FILE_MODE, private_dir, private_file

LOCK_SUFFIX = ".lock"
LOCK_TIMEOUT_S = 600.0
TMP_PREFIX = "."
TMP_SUFFIX = ".writing"

Progress = Callable[[str, float], None]


class WarehouseBusy(IsoloirError):
    """Another command has been writing the warehouse for longer than the writer would wait."""


def lock_path(path: Path) -> Path:
    """``data/warehouse.lock`` for ``data/warehouse.duckdb``."""
    return Path(path).with_suffix(LOCK_SUFFIX)


def _tmp_path(path: Path) -> Path:
    return path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}{TMP_SUFFIX}")


@contextmanager
def writer_lock(path: Path, timeout: float | None = None, progress: Progress | None = None) -> Iterator[None]:
    """Hold the writers' lock of the warehouse ``path`` (waiting up to ``timeout`` seconds)."""
    path = Path(path)
    private_dir(path.parent)
    timeout = LOCK_TIMEOUT_S if timeout is None else timeout
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, FILE_MODE)
    private_file(lock_path(path))
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"l'entrepôt {path} est en cours de modification par une autre commande (import, interpolate, "
                    f"blocs set ou demo) depuis plus de {timeout:.0f} s ; rien n'a été écrit. Réessayez quand elle "
                    "sera terminée."
                )
            if not told and progress:
                progress("Une autre commande modifie l'entrepôt : attente de la fin de son écriture…", 0.0)
                told = True
            time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError):
            leftover.unlink()


def _remove_leftovers(path: Path) -> None:
    """Copies left by a writer that was killed (we hold the lock: no writer is using them)."""
    for leftover in path.parent.glob(f"{TMP_PREFIX}{path.name}.*{TMP_SUFFIX}*"):
        with suppress(FileNotFoundError):
            leftover.unlink()


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def install(source: Path, path: Path) -> None:
    """Move the complete warehouse file ``source`` onto ``path`` atomically (caller holds the lock)."""
    private_file(source)
    _fsync(source)
    os.replace(source, path)
    with suppress(FileNotFoundError):  # a direct writer's log, now part of the new file
        path.with_name(path.name + ".wal").unlink()
    _fsync(path.parent, directory=True)


@contextmanager
def writing(path: Path, *, timeout: float | None = None, progress: Progress | None = None) -> Iterator[Warehouse]:
    """A read-write :class:`Warehouse` on a copy of ``path``, swapped onto ``path`` when the block
    ends without an exception; on an exception the copy is dropped and ``path`` is untouched."""
    path = Path(path)
    with writer_lock(path, timeout, progress):
        _remove_leftovers(path)
        tmp = _tmp_path(path)
        try:
            if path.exists():
                shutil.copyfile(path, tmp)
                wal = path.with_name(path.name + ".wal")
                if wal.exists():  # left by a direct writer: its committed changes are in it
                    shutil.copyfile(wal, tmp.with_name(tmp.name + ".wal"))
            wh = Warehouse(tmp)
            try:
                yield wh
                wh.con.execute("CHECKPOINT")
            finally:
                wh.close()
            install(tmp, path)
        finally:
            _remove(tmp)
