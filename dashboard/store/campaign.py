"""The campaign store handle, :class:`CampaignStore`, and the saved views (the presentation's slides).

A store is a DuckDB file (``campaign.duckdb`` in the data folder, the default)
or a PostgreSQL database (``ISOLOIR_CAMPAIGN_URL=postgresql://…``):
:meth:`CampaignStore.from_settings` picks one. The handle is light: every
handle of one target shares the process's backend (``backend.backend_for``:
one DuckDB instance or one connection pool, schema migrated once). The store
modules run their SQL in ``store.read()`` / ``store.write()`` transactions
with bound parameters only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.access.permissions import Principal, actor_name
from dashboard.errors import IsoloirError
from dashboard.store import audit
from dashboard.store.backend import Backend, Tx, backend_for, forget, is_postgres_url, retrying, utc_now

if TYPE_CHECKING:
    from dashboard.config import Settings

CAMPAIGN_FILE = "campaign.duckdb"
MAX_NAME = 120


@dataclass(frozen=True)
class SavedView:
    view_id: int
    name: str
    params: dict[str, Any]
    position: int
    created_at: datetime
    created_by: str | None


class CampaignStore:
    """The campaign store at ``target``: a DuckDB file path, or a ``postgresql://`` URL.

    ``path`` is the DuckDB file (None on PostgreSQL), ``url`` the PostgreSQL URL (None on DuckDB).
    """

    def __init__(self, target: Path | str) -> None:
        if is_postgres_url(target):
            self.path: Path | None = None
            self.url: str | None = str(target)
        else:
            self.path = Path(target)
            self.url = None

    @classmethod
    def from_settings(cls, settings: Settings) -> CampaignStore:
        """PostgreSQL when ``settings.campaign_url`` is set, else ``campaign.duckdb`` in the data folder."""
        return cls(settings.campaign_url or settings.campaign_path)

    def __repr__(self) -> str:
        return f"CampaignStore({'postgresql' if self.url else str(self.path)!r})"

    @property
    def backend(self) -> Backend:
        return backend_for(self.url or self.path)  # type: ignore[arg-type]

    @property
    def kind(self) -> str:
        """``"duckdb"`` or ``"postgresql"``."""
        return "postgresql" if self.url else "duckdb"

    def exists(self) -> bool:
        """Whether the store holds anything yet (a DuckDB file exists; a PostgreSQL store always does)."""
        return self.path.exists() if self.path is not None else True

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read transaction (one consistent snapshot)."""
        with self.backend.read() as tx:
            yield tx

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A short write transaction; the writers of one store take turns (see ``backend``)."""
        with self.backend.write() as tx:
            yield tx

    def close(self) -> None:
        """Release the file or the pool now (DuckDB: the file is checkpointed and may then be copied)."""
        forget(self.backend)

    # -- saved views (presentation slides) ---------------------------------
    # Writes need ``save_views`` (``by``: a user, or a system actor such as "cli").
    @retrying
    def save_view(self, name: str, params: dict[str, Any], *, by: Principal | str) -> int:
        _require_saving(self, by)
        name = _clean_name(name)
        with self.write() as con:
            position = con.execute("SELECT coalesce(max(position), 0) + 1 FROM saved_view").fetchone()[0]
            row = con.execute(
                "INSERT INTO saved_view (name, params, position, created_at, created_by) VALUES (?, ?, ?, ?, ?) RETURNING view_id",
                [name, json.dumps(params, ensure_ascii=False, sort_keys=True), position, utc_now(), actor_name(by)],
            ).fetchone()
        return int(row[0])

    def views(self) -> list[SavedView]:
        """Saved views in slide order."""
        if not self.exists():
            return []
        with self.read() as con:
            rows = con.execute(
                "SELECT view_id, name, params, position, created_at, created_by FROM saved_view ORDER BY position, view_id"
            ).fetchall()
        return [SavedView(int(r[0]), r[1], json.loads(r[2]), int(r[3]), r[4], r[5]) for r in rows]

    @retrying
    def rename_view(self, view_id: int, name: str, *, by: Principal | str) -> None:
        _require_saving(self, by)
        name = _clean_name(name)
        with self.write() as con:
            _require(con, view_id)
            con.execute("UPDATE saved_view SET name = ? WHERE view_id = ?", [name, view_id])

    @retrying
    def delete_view(self, view_id: int, *, by: Principal | str) -> None:
        _require_saving(self, by)
        with self.write() as con:
            _require(con, view_id)
            con.execute("DELETE FROM saved_view WHERE view_id = ?", [view_id])

    @retrying
    def move_view(self, view_id: int, offset: int, *, by: Principal | str) -> None:
        """Move a slide ``offset`` places (negative: earlier); positions are renumbered 1..n."""
        _require_saving(self, by)
        with self.write() as con:
            _require(con, view_id)
            ids = [r[0] for r in con.execute("SELECT view_id FROM saved_view ORDER BY position, view_id").fetchall()]
            index = ids.index(view_id)
            target = max(0, min(len(ids) - 1, index + offset))
            ids.insert(target, ids.pop(index))
            for position, vid in enumerate(ids, start=1):
                con.execute("UPDATE saved_view SET position = ? WHERE view_id = ?", [position, vid])


def _require_saving(store: CampaignStore, by: Principal | str) -> None:
    audit.require(store, by, "save_views", "view")


class UnknownView(IsoloirError):
    pass


def _require(con: Tx, view_id: int) -> None:
    if con.execute("SELECT count(*) FROM saved_view WHERE view_id = ?", [view_id]).fetchone()[0] == 0:
        raise UnknownView(f"vue enregistrée introuvable : n° {view_id}")


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise IsoloirError("donnez un nom à la vue")
    return name[:MAX_NAME]
