"""Personal data encrypted at rest in the campaign store: which columns, the process's keys, re-encryption.

Every column listed in :data:`ENCRYPTED` holds only sealed values
(:mod:`dashboard.access.data_key`: AES-256-GCM, bound to table, column and row
id) on both backends; the store modules call :func:`seal` when they write and
:func:`open_` when they read, with the row's id. Nothing is searched or sorted
by an encrypted column in SQL (sorting by name or address happens in Python
after opening), so no blind index is needed: accounts are looked up by
``user_name``, which stays clear (a login name, used as the actor of every
row and audit entry; the person's name is ``display_name``, encrypted).

The keys are read from the environment and the secrets file at the project
root (:func:`keyring`), again when either changes, so a rotation made by the
CLI reaches a running app. :func:`reencrypt` seals every clear value (migration
6) or re-seals every value with the current key (``isoloir keys rotate``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.access import data_key
from dashboard.access.data_key import DataKeyError, Keyring, is_sealed

if TYPE_CHECKING:
    from dashboard.store.backend import Tx

ROOT = Path(__file__).resolve().parents[2]
SECRETS_PATH = ROOT / data_key.SECRETS_FILE

# table -> (row id column, encrypted columns). Another module's personal column joins this list (and then
# goes through seal/open_); reencrypt() and the at-rest tests follow it.
ENCRYPTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "contact": ("contact_id", ("address", "full_name", "phone", "email", "remark")),
    "app_user": ("user_name", ("display_name", "password_hash")),
    "user_totp": ("user_name", ("secret",)),
    "household": ("household_id", ("label",)),
    "answer": ("answer_id", ("text",)),
    "answer_review": ("review_id", ("text",)),
    "voter": ("voter_id", ("birth_name", "usage_name", "first_names", "birth_date", "sex", "address")),
    "visit": ("visit_id", ("note",)),
    "text_review": ("review_id", ("text",)),
    "opposition": ("opposition_id", ("identity",)),
    "privacy_key": ("key_id", ("secret",)),
}

_lock = threading.Lock()
_cache: tuple[tuple[object, ...], Keyring | None] | None = None
_override: Keyring | None = None


def _signature() -> tuple[object, ...]:
    try:
        stat = SECRETS_PATH.stat()
        file_state: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        file_state = None
    return (os.environ.get(data_key.ENV_VARIABLE), file_state)


def keyring() -> Keyring:
    """The keys of this process (environment, then the secrets file); French :class:`DataKeyError` when none."""
    global _cache
    if _override is not None:
        return _override
    signature = _signature()
    with _lock:
        if _cache is None or _cache[0] != signature:
            _cache = (signature, data_key.resolve(os.environ, SECRETS_PATH))
        ring = _cache[1]
    if ring is None:
        raise data_key.missing_key_error()
    return ring


def use_keyring(ring: Keyring | None) -> None:
    """Force the keys of this process (the CLI's rotation between its steps, tests); None goes back to the configuration."""
    global _override, _cache
    with _lock:
        _override = ring
        _cache = None


def seal(table: str, column: str, row_id: object, value: str | None, ring: Keyring | None = None) -> str | None:
    return (ring or keyring()).seal(value, table, column, row_id)


def open_(table: str, column: str, row_id: object, token: str | None, ring: Keyring | None = None) -> str | None:
    return (ring or keyring()).open(token, table, column, row_id)


def open_rows(table: str, rows: list[tuple], columns: list[str], ring: Keyring | None = None) -> list[tuple]:  # type: ignore[type-arg]
    """``rows`` (as fetched, ``columns`` their names) with the encrypted columns of ``table`` opened."""
    ring = ring or keyring()
    id_column, encrypted = ENCRYPTED[table]
    id_index = columns.index(id_column)
    positions = [(i, c) for i, c in enumerate(columns) if c in encrypted]
    if not positions:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i, column in positions:
            values[i] = ring.open(values[i], table, column, row[id_index])
        out.append(tuple(values))
    return out


def open_frame(table: str, frame, ring: Keyring | None = None):  # type: ignore[no-untyped-def]
    """A pandas frame of ``table`` rows (holding its id column) with its encrypted columns opened, in place."""
    ring = ring or keyring()
    id_column, encrypted = ENCRYPTED[table]
    ids = frame[id_column].tolist()
    for column in encrypted:
        if column in frame.columns:
            frame[column] = [ring.open(None if _missing(v) else v, table, column, rid)
                             for v, rid in zip(frame[column].tolist(), ids, strict=True)]
    return frame


def _missing(value: object) -> bool:
    """A SQL NULL as a frame holds it: None, NaN, or pandas' NA (PostgreSQL frames of nullable text)."""
    return (value is None or type(value).__name__ in ("NAType", "NaTType")
            or (isinstance(value, float) and value != value))  # NaN  # noqa: PLR0124


def _present(tx: Tx) -> dict[str, tuple[str, tuple[str, ...]]]:
    """:data:`ENCRYPTED` restricted to the tables and columns the store holds (migration 6 runs before a later
    migration's tables and columns exist)."""
    held = {(str(r[0]), str(r[1])) for r in tx.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()").fetchall()}
    present = {}
    for table, (id_column, columns) in ENCRYPTED.items():
        kept = tuple(c for c in columns if (table, c) in held)
        if kept and (table, id_column) in held:
            present[table] = (id_column, kept)
    return present


def reencrypt(tx: Tx, ring: Keyring, *, clear_only: bool = False,
              progress: Callable[[str, float], None] | None = None) -> int:
    """Seal every encrypted column's values with ``ring``'s current key, inside ``tx``; returns the values written.

    ``clear_only`` (migration 6): only values still in clear are sealed. Otherwise
    (rotation) every value is opened with whichever configured key sealed it and
    sealed again with the current one.
    """
    present = _present(tx)
    total = sum(int(tx.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in present)  # noqa: S608 - fixed names
    done = written = 0
    for table, (id_column, columns) in present.items():
        rows = tx.execute(f"SELECT {id_column}, {', '.join(columns)} FROM {table}").fetchall()  # noqa: S608
        for row in rows:
            row_id, values = row[0], row[1:]
            new = []
            for column, value in zip(columns, values, strict=True):
                if value is None:
                    new.append(None)
                    continue
                if clear_only:
                    new.append(value if is_sealed(value) else ring.seal(value, table, column, row_id))
                else:
                    new.append(ring.seal(ring.open(value, table, column, row_id), table, column, row_id))
            if list(new) != list(values):
                tx.execute(f"UPDATE {table} SET {', '.join(c + ' = ?' for c in columns)} WHERE {id_column} = ?",  # noqa: S608
                           [*new, row_id])
                written += sum(1 for n, v in zip(new, values, strict=True) if n != v)
            done += 1
            if progress is not None and total and (done % 500 == 0 or done == total):
                progress(f"{done} ligne(s) sur {total} rechiffrée(s)", done / total)
    return written


def clear_values_left(tx: Tx) -> int:
    """How many values of the encrypted columns are not sealed (0 once migration 6 ran)."""
    count = 0
    for table, (_, columns) in _present(tx).items():
        for column in columns:
            for (value,) in tx.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall():  # noqa: S608
                count += not is_sealed(value)
    return count


__all__ = ["ENCRYPTED", "DataKeyError", "keyring", "open_", "open_frame", "open_rows", "reencrypt", "seal", "use_keyring"]
