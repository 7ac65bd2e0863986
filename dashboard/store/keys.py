"""``isoloir keys``: the state of the personal data's encryption, and the rotation of its key.

**Rotation** (:func:`rotate`), so that no moment leaves data unreadable:

1. a new key is generated; when the keys come from the secrets file, the file
   gets it as ``data_key`` with every old key kept in ``previous_data_keys``
   (written atomically, mode 600); when they come from ``ISOLOIR_DATA_KEY``,
   the new key is written to ``data_key.new`` beside the secrets file (600),
   for the operator to put in the environment;
2. every sealed value is opened and sealed again with the new key, in one
   write transaction, audited ``keys_rotate`` in the same transaction;
3. only then are the old keys dropped from the secrets file; a DuckDB file is
   copied into a new one (DuckDB never zeroes freed blocks, where the old
   ciphertexts would stay), PostgreSQL tables are vacuumed.

A failure at step 2 leaves the store as it was and the file able to read it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dashboard.access import data_key
from dashboard.access.data_key import DataKeyError, Keyring
from dashboard.store import audit, crypto
from dashboard.store.backend import rewrite_duckdb_file
from dashboard.store.campaign import CampaignStore

NEW_KEY_FILE = "data_key.new"


@dataclass(frozen=True)
class Rotation:
    old_ids: tuple[str, ...]
    new_id: str
    values: int  # values re-encrypted
    origin: str  # "file" or "environment"
    new_key_file: Path | None  # environment: where the new key waits for the operator


@dataclass(frozen=True)
class KeyStatus:
    current: str
    origin: str
    configured: tuple[str, ...]
    sealed_by: dict[str, int]  # key id -> values it sealed
    clear: int  # values not encrypted (0 after migration 6)


def _values(store: CampaignStore) -> tuple[Counter[str], int]:
    by_key: Counter[str] = Counter()
    clear = 0
    with store.read() as con:
        for table, (_, columns) in crypto.ENCRYPTED.items():
            for column in columns:
                for (value,) in con.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall():  # noqa: S608
                    if data_key.is_sealed(value):
                        by_key[value.split(":", 2)[1]] += 1
                    else:
                        clear += 1
    return by_key, clear


def status(store: CampaignStore, env: Mapping[str, str], secrets_path: Path) -> KeyStatus:
    ring = data_key.resolve(env, secrets_path)
    if ring is None:
        raise data_key.missing_key_error()
    by_key, clear = _values(store) if store.exists() else (Counter(), 0)
    return KeyStatus(ring.current, ring.origin, tuple(ring.keys), dict(by_key), clear)


def rotate(store: CampaignStore, env: Mapping[str, str], secrets_path: Path,
           progress: Callable[[str, float], None] | None = None) -> Rotation:
    """Re-encrypt every personal value with a new key (steps in the module's docstring); audited ``keys_rotate``."""
    ring = data_key.resolve(env, secrets_path)
    if ring is None:
        raise data_key.missing_key_error()
    old_raw = [ring.keys[ring.current]] + [raw for kid, raw in ring.keys.items() if kid != ring.current]
    new_text = data_key.new_key()
    new_raw = data_key.parse_key(new_text, "nouvelle clé")
    new_key_file = None
    if ring.origin == "file":
        data_key.write_file_keys(secrets_path, new_text, [data_key.encode_key(raw) for raw in old_raw])
    else:
        new_key_file = secrets_path.with_name(NEW_KEY_FILE)
        new_key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(new_key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new_text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    rotating = Keyring.of([new_raw, *old_raw], ring.origin)
    crypto.use_keyring(rotating)  # this process reads and writes with both keys meanwhile
    try:
        with store.write() as con:
            values = crypto.reencrypt(con, rotating, progress=progress)
            left = crypto.clear_values_left(con)
            if left:
                raise DataKeyError(f"rotation annulée : {left} valeur(s) personnelle(s) non chiffrée(s) dans le magasin")
            audit.insert(con, "cli", "keys_rotate", "store", None,
                         {"from": sorted(ring.keys), "to": rotating.current, "values": values})
    finally:
        crypto.use_keyring(None)
    if ring.origin == "file":
        data_key.write_file_keys(secrets_path, new_text, [])
    if store.path is not None:  # DuckDB: the old key's ciphertexts must not stay in free blocks
        store.close()
        rewrite_duckdb_file(store.path)
    else:
        store.backend.compact(tuple(crypto.ENCRYPTED))
    return Rotation(tuple(sorted(ring.keys)), rotating.current, values, ring.origin, new_key_file)
