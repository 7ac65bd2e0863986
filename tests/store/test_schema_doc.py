"""docs/schema.md lists every campaign-store table."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.store.dialect import DUCKDB, POSTGRESQL
from dashboard.store.migrations import MIGRATIONS

ROOT = Path(__file__).resolve().parents[2]


def test_every_campaign_table_is_documented() -> None:
    statements = [s for _, _, migration in MIGRATIONS for d in (DUCKDB, POSTGRESQL) for s in migration(d)]
    tables = {m.group(1) for s in statements if (m := re.match(r"\s*CREATE TABLE IF NOT EXISTS (\w+)", s))} | {"schema_migrations"}
    assert {"zone_version", "turf", "turf_address", "turf_assignment", "turf_progress"} <= tables
    campaign_part = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8").split("# Campaign store schema", 1)[1]
    assert {t for t in tables if f"| `{t}` |" not in campaign_part} == set()
