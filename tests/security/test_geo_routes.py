"""The map's geometry tiles and deck.gl bundle routes (``dashboard/web/geo.py``): a session needed, immutable and cacheable answers with
an ETag, gzip when accepted, a stale stamp or unknown level refused in French."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.config import Settings
from dashboard.maps import tiles
from dashboard.store import sessions, users
from dashboard.warehouse.database import Warehouse
from dashboard.web import geo
from dashboard.web.auth import Site
from tests.security.asgi import get


@pytest.fixture(scope="module")
def served(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list, str, str]]:
    data_dir = tmp_path_factory.mktemp("geo")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy2(demo_dir / name, data_dir / name)
    site = Site(Settings.load(env={}, data_dir=data_dir))
    viewer = next(u for u in users.list_users(site.store, by="cli") if u.role == "viewer")
    cookie = f"isoloir_session={sessions.create(site.store, viewer, hours=1)}"
    with Warehouse(data_dir / "warehouse.duckdb", read_only=True) as wh:
        path = tiles.tile_path("contours-2024-demo", tiles.set_stamp(wh, "contours-2024-demo"), 2, "45")
    yield geo.routes(site), cookie, path
    site.store.close()


def test_a_tile_needs_a_session(served: tuple[list, str, str]) -> None:
    routes, _, path = served
    for headers in ({}, {"Cookie": "isoloir_session=forged"}):
        answer = get(routes, path, headers)
        assert answer.status == 401 and "Session requise" in answer.body.decode()
        assert answer.headers["cache-control"] == "no-store"


def test_a_tile_is_immutable_with_an_etag_and_gzipped(served: tuple[list, str, str]) -> None:
    routes, cookie, path = served
    plain = get(routes, path, {"Cookie": cookie})
    assert plain.status == 200 and plain.body[:4] == tiles.MAGIC
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert tiles.decode_tile(plain.body).header["n"] == 41
    zipped = get(routes, path, {"Cookie": cookie, "Accept-Encoding": "gzip, br"})
    assert zipped.headers["content-encoding"] == "gzip" and gzip.decompress(zipped.body) == plain.body
    again = get(routes, path, {"Cookie": cookie, "If-None-Match": plain.headers["etag"]})
    assert again.status == 304 and not again.body


def test_a_stale_stamp_or_an_unknown_level_is_refused(served: tuple[list, str, str]) -> None:
    routes, cookie, path = served
    stale = path.replace(path.split("/")[3], "0" * 16)
    assert get(routes, stale, {"Cookie": cookie}).status == 404
    answer = get(routes, path.replace("/2/", "/9/"), {"Cookie": cookie})
    assert answer.status == 404 and "rechargez la page" in answer.body.decode()


def test_the_deckgl_bundle_is_served_immutable_under_its_content_hash(served: tuple[list, str, str]) -> None:
    """Streamlit's component route sends the 1.2 MB bundle without a cache header: ours lets the browser keep it."""
    from dashboard.maps.bundle import bundle_path, bundle_url

    routes, cookie, _ = served
    url = bundle_url()
    plain = get(routes, url, {"Cookie": cookie})
    assert plain.status == 200 and plain.body == bundle_path().read_bytes()
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["content-type"].startswith("text/javascript")
    zipped = get(routes, url, {"Cookie": cookie, "Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body) / 2
    again = get(routes, url, {"Cookie": cookie, "If-None-Match": plain.headers["etag"]})
    assert again.status == 304 and not again.body
    other = get(routes, url.replace(url[-8:-3], "00000"), {"Cookie": cookie})
    assert other.status == 404 and "rechargez la page" in other.body.decode()
