"""Campaign stores for the tests, on both backends: DuckDB (a file) and PostgreSQL (a fresh schema per store).

The fixtures (registered in ``tests/conftest.py``):

- ``campaign_backend``: ``"duckdb"`` then ``"postgresql"`` (session scope, so a
  module's template store is built once per backend). PostgreSQL comes from
  ``ISOLOIR_TEST_PG_URL`` (``./dev test`` sets it up); without it the
  PostgreSQL variants are skipped, except when ``CI`` is set: then they fail.
- ``store_maker``: ``new()`` a fresh store, ``clone(store)`` a copy of one (a
  template), on the backend of the test;
- ``new_store``: ``new_store()`` / ``new_store(clone_of=template)``, closed
  (and the PostgreSQL schema dropped) when the test ends.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dashboard.store import CampaignStore

PG_URL = os.environ.get("ISOLOIR_TEST_PG_URL") or None
BACKENDS = ["duckdb", "postgresql"]


def pg_skip_or_fail() -> None:
    if os.environ.get("CI"):
        pytest.fail("ISOLOIR_TEST_PG_URL is not set: in CI the PostgreSQL variants must run (./dev test sets it)")
    pytest.skip("ISOLOIR_TEST_PG_URL is not set: PostgreSQL variants skipped (./dev test sets up PostgreSQL and sets it)")


def schema_url(url: str, schema: str) -> str:
    """``url`` with ``search_path`` set to ``schema`` (libpq ``options``)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query) + [("options", f"-csearch_path={schema}")]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class StoreMaker:
    def __init__(self, kind: str, directory: Callable[[], Path]) -> None:
        self.kind = kind
        self._directory = directory
        self._admin = None
        self._schemas: list[str] = []

    @property
    def admin(self):  # type: ignore[no-untyped-def]
        if self._admin is None:
            import psycopg

            self._admin = psycopg.connect(PG_URL, autocommit=True)
        return self._admin

    def new(self) -> CampaignStore:
        if self.kind == "duckdb":
            return CampaignStore(self._directory() / "campaign.duckdb")
        schema = f"t_{uuid.uuid4().hex[:16]}"
        self.admin.execute(f"CREATE SCHEMA {schema}")
        self._schemas.append(schema)
        return CampaignStore(schema_url(PG_URL, schema))  # type: ignore[arg-type]

    def clone(self, source: CampaignStore) -> CampaignStore:
        """A new store holding a copy of ``source``'s rows (its own sequences carry on after them)."""
        if self.kind == "duckdb":
            source.close()  # checkpointed into the file
            target = self._directory() / "campaign.duckdb"
            shutil.copy(source.path, target)  # type: ignore[arg-type]
            return CampaignStore(target)
        source.exists() and source.views()  # noqa: B018 - make sure the source schema is migrated
        source.close()
        from_schema = _schema_of(source)
        store = self.new()
        to_schema = _schema_of(store)
        tables = [r[0] for r in self.admin.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY table_name", [from_schema]).fetchall()]
        with self.admin.transaction():
            for table in tables:
                self.admin.execute(f"CREATE TABLE {to_schema}.{table} (LIKE {from_schema}.{table} INCLUDING ALL)")
                self.admin.execute(f"INSERT INTO {to_schema}.{table} SELECT * FROM {from_schema}.{table}")
            for table, column in self.admin.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s AND is_identity = 'YES'",
                [to_schema]).fetchall():
                self.admin.execute(
                    f"SELECT setval(pg_get_serial_sequence('{to_schema}.{table}', '{column}'), "
                    f"coalesce((SELECT max({column}) FROM {to_schema}.{table}), 0) + 1, false)")
        return store

    def drop(self, store: CampaignStore) -> None:
        store.close()
        if self.kind == "postgresql":
            schema = _schema_of(store)
            self.admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            self._schemas.remove(schema)

    def drop_all(self) -> None:
        for schema in list(self._schemas):
            self.admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        self._schemas.clear()
        if self._admin is not None:
            self._admin.close()


def _schema_of(store: CampaignStore) -> str:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(store.url).query))  # type: ignore[arg-type]
    return query["options"].split("=", 1)[1]


@pytest.fixture(scope="session", params=BACKENDS)
def campaign_backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and PG_URL is None:
        pg_skip_or_fail()
    return request.param


@pytest.fixture(scope="session")
def store_maker(campaign_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreMaker]:
    maker = StoreMaker(campaign_backend, lambda: tmp_path_factory.mktemp("store"))
    yield maker
    maker.drop_all()


@pytest.fixture
def new_store(store_maker: StoreMaker) -> Iterator[Callable[..., CampaignStore]]:
    made: list[CampaignStore] = []

    def make(clone_of: CampaignStore | None = None) -> CampaignStore:
        store = store_maker.new() if clone_of is None else store_maker.clone(clone_of)
        made.append(store)
        return store

    yield make
    for store in made:
        store_maker.drop(store)


def table_rows(con, table: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Every row of ``table`` (a fixed name), in a stable order on both backends (``ORDER BY ALL`` is DuckDB's);
    encrypted columns (``dashboard/store/crypto.py``) opened, so the tests compare what was written."""
    from dashboard.store import crypto

    cursor = con.execute(f"SELECT * FROM {table}")
    rows = cursor.fetchall()
    if table in crypto.ENCRYPTED:
        rows = crypto.open_rows(table, rows, [d[0] for d in cursor.description])
    return sorted(rows, key=repr)
