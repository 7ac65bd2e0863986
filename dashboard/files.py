"""Private files: the data folder 0700, the stores, their logs and locks, the secrets file 0600.

Campaign data, password hashes and the cookie key must not be readable by other accounts of the
machine (issue 12, row 11). Modes are set when a file or folder is created and checked again each
time it is opened (an install copied with ``cp``, a file restored from a backup): a wrong mode is
corrected silently, a right one left alone. Files the current user does not own are left as they are.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
# Companion files of a DuckDB database (its write-ahead log) that hold the same data.
_COMPANIONS = (".wal",)


def _fix(path: Path, mode: int) -> None:
    try:
        current = path.stat()
    except FileNotFoundError:
        return
    if stat.S_IMODE(current.st_mode) != mode and current.st_uid == os.geteuid():
        with contextlib.suppress(PermissionError):
            os.chmod(path, mode)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if missing; ``path`` itself ends 0700. Returns ``path``."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _fix(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make an existing file and its DuckDB companions (``.wal``) 0600. Returns ``path``."""
    path = Path(path)
    _fix(path, FILE_MODE)
    for suffix in _COMPANIONS:
        _fix(path.with_name(path.name + suffix), FILE_MODE)
    return path
