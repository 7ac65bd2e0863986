"""What encrypting personal data at rest costs: the contact list read with and without opening the sealed values.

Two DuckDB stores of N contacts (default 5,000, with name, address, phone and e-mail):
one written as the store writes them (sealed, ``dashboard/store/crypto.py``), one with
the same values in clear. The read is the Terrain page's: ``contacts.contacts()`` (scoped
SQL, audit entry); on the clear store the opening step is skipped. Best of ``--repeat``.
Also the cost of writing (sealing) the N contacts' values. The last line is JSON:
``contacts``, ``read_plain_s``, ``read_encrypted_s``, ``ratio``, ``per_contact_us``,
``seal_s``.

    python benchmarks/encryption.py [--contacts 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.access import data_key  # noqa: E402
from dashboard.store import CampaignStore, contacts, crypto  # noqa: E402

T0 = datetime(2026, 3, 1, 9, 0, 0)
COLUMNS = ("address", "full_name", "phone", "email")


def _values(i: int) -> tuple[str, str, str, str]:
    return (f"{i % 300 + 1} rue de la Benchmark", f"Personne Numéro {i}", f"06 {i % 100:02d} 00 {i // 100 % 100:02d} 00",
            f"personne.{i}@exemple.fr")


def _fill(store: CampaignStore, n: int, ring: data_key.Keyring | None) -> float:
    """N contacts in one transaction; sealed with ``ring`` (None: clear). Returns the seconds spent sealing."""
    rows, sealing = [], 0.0
    for i in range(1, n + 1):
        values = _values(i)
        if ring is not None:
            start = time.perf_counter()
            values = tuple(ring.seal(v, "contact", c, i) for c, v in zip(COLUMNS, values, strict=True))  # type: ignore[assignment]
            sealing += time.perf_counter() - start
        rows.append((i, f"45999_{i % 20 + 1}", *values, True, "rencontre", "cli", T0))
    with store.write() as con:
        for row in rows:
            con.execute("INSERT INTO contact (contact_id, station_id, address, full_name, phone, email, consent, outcome, "
                        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row))
    return sealing


def _best_read(store: CampaignStore, repeat: int, n: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        frame = contacts.contacts(store, by="cli")
        best = min(best, time.perf_counter() - start)
        assert len(frame) == n and frame["full_name"].iloc[-1] == _values(n)[1]
    return best


def main(argv: list[str] | None = None) -> dict[str, float | int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    ring = data_key.Keyring.of([data_key.parse_key(data_key.new_key(), "benchmark")])  # throwaway stores, throwaway key
    crypto.use_keyring(ring)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sealed_store = CampaignStore(Path(tmp) / "sealed.duckdb")
            plain_store = CampaignStore(Path(tmp) / "plain.duckdb")
            seal_s = _fill(sealed_store, args.contacts, ring)
            _fill(plain_store, args.contacts, None)
            read_encrypted = _best_read(sealed_store, args.repeat, args.contacts)
            with mock.patch.object(contacts.crypto, "open_frame", lambda _table, frame, ring=None: frame):
                read_plain = _best_read(plain_store, args.repeat, args.contacts)
            sealed_store.close()
            plain_store.close()
    finally:
        crypto.use_keyring(None)
    figures: dict[str, float | int] = {
        "contacts": args.contacts,
        "read_plain_s": round(read_plain, 4),
        "read_encrypted_s": round(read_encrypted, 4),
        "ratio": round(read_encrypted / read_plain, 2) if read_plain else 0.0,
        "per_contact_us": round((read_encrypted - read_plain) / args.contacts * 1e6, 1),
        "seal_s": round(seal_s, 4),
    }
    print(f"Lecture de {args.contacts} contacts : {read_plain:.3f} s en clair, {read_encrypted:.3f} s chiffrés", file=sys.stderr)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
