"""``/carte-geo/<set>/<stamp>/<level>/<département>.bin``: the station geometry tiles of the map.

Public open data only (polling-station contours of one boundary version, their numbers and names:
:mod:`dashboard.maps.tiles`), behind the same session gate as every page (``web/auth.py``), and the
route checks the session cookie itself too (401 without a valid one). A tile's
URL names the version's stamp, so its bytes never change: it is answered with
``Cache-Control: public, max-age=31536000, immutable`` and an ``ETag`` (a matching
``If-None-Match`` gets a 304), gzipped when the browser accepts it, and kept in memory once built.
A stamp that is no longer the version's (a new import) answers 404: the page asks for the new URL.

``/carte-geo/deckgl-<digest>.js``: the deck.gl bundle the map component evaluates (``maps/bundle.py``), named by
its content's hash, answered the same way (immutable, ``ETag``, gzipped); another digest answers 404.
"""

from __future__ import annotations

import gzip
import logging
import threading
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from dashboard.errors import IsoloirError
from dashboard.maps import tiles
from dashboard.maps.bundle import URL_PREFIX, bundle
from dashboard.warehouse.database import Warehouse
from dashboard.web.auth import Site, cookie_token, session_user

log = logging.getLogger(__name__)
PATH = tiles.ROUTE_PREFIX + "{set_id}/{stamp}/{level:int}/{departement}.bin"
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPE = "application/octet-stream"
BUNDLE_PATH = URL_PREFIX + "{digest}.js"
KEPT = 512  # tiles kept in memory (plain and gzipped bytes)
BATCH_LEVEL = 3  # from this display level up, a request builds the level's tiles for the whole version


class TileStore:
    """The warehouse read-only, and the tiles built so far (most recent kept)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._warehouse: Warehouse | None = None
        self._tiles: OrderedDict[tuple[str, str, int, str], tuple[bytes, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def warehouse(self) -> Warehouse:
        with self._lock:
            if self._warehouse is None:
                self._warehouse = Warehouse(self.site.settings.warehouse_path, read_only=True)
            return self._warehouse

    def tile(self, set_id: str, stamp: str, level: int, departement: str) -> tuple[bytes, bytes] | None:
        """(plain, gzipped) bytes of the tile, or None when the stamp or the tile is unknown."""
        key = (set_id, stamp, level, departement)
        with self._lock:
            if key in self._tiles:
                self._tiles.move_to_end(key)
                return self._tiles[key]
        wh = self.warehouse()
        if level not in tiles.LEVELS or tiles.set_stamp(wh, set_id) != stamp:
            return None
        # the coarse levels (a whole country in view) are built for every département in one read
        wanted = None if level >= BATCH_LEVEL else departement
        built_now = {dep: (plain, gzip.compress(plain, compresslevel=6, mtime=0))
                     for dep, plain in tiles.build_tiles(wh, set_id, level, wanted).items()}
        with self._lock:
            for dep, pair in built_now.items():
                self._tiles[(set_id, stamp, level, dep)] = pair
            while len(self._tiles) > KEPT:
                self._tiles.popitem(last=False)
        return built_now.get(departement)


def etag(set_id: str, stamp: str, level: int, departement: str) -> str:
    return f'"{stamp}-{level}-{departement}"'


def routes(site: Site) -> list[Route]:
    """The tile route (see the module doc)."""
    store = TileStore(site)

    async def tile(request: Request) -> Response:
        token = cookie_token(request.scope)
        if not token or await run_in_threadpool(session_user, site, token) is None:  # as the gate: no session, no tile
            return PlainTextResponse("Session requise : reconnectez-vous.", status_code=401,
                                     headers={"Cache-Control": "no-store"})
        p = request.path_params
        set_id, stamp, level, departement = str(p["set_id"]), str(p["stamp"]), int(p["level"]), str(p["departement"])
        tag = etag(set_id, stamp, level, departement)
        headers = {"Cache-Control": IMMUTABLE, "ETag": tag, "Vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers=headers)
        try:
            built = await run_in_threadpool(store.tile, set_id, stamp, level, departement)
        except IsoloirError as error:
            return PlainTextResponse(error.message_fr, status_code=503, headers={"Cache-Control": "no-store"})
        except Exception:  # noqa: BLE001 - no traceback leaves the server
            log.exception("geometry tile %s/%s/%s/%s", set_id, stamp, level, departement)
            return PlainTextResponse("Contours indisponibles.", status_code=500, headers={"Cache-Control": "no-store"})
        if built is None:
            return PlainTextResponse("Contours inconnus : rechargez la page.", status_code=404,
                                     headers={"Cache-Control": "no-store"})
        plain, zipped = built
        if "gzip" in request.headers.get("accept-encoding", "") and len(zipped) < len(plain):
            return Response(zipped, media_type=MEDIA_TYPE, headers={**headers, "Content-Encoding": "gzip"})
        return Response(plain, media_type=MEDIA_TYPE, headers=headers)

    async def deckgl(request: Request) -> Response:
        built = await run_in_threadpool(bundle)
        if str(request.path_params["digest"]) != built.digest:
            return PlainTextResponse("Version inconnue : rechargez la page.", status_code=404,
                                     headers={"Cache-Control": "no-store"})
        tag = f'"{built.digest}"'
        headers = {"Cache-Control": IMMUTABLE, "ETag": tag, "Vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(built.zipped, media_type="text/javascript", headers={**headers, "Content-Encoding": "gzip"})
        return Response(built.plain, media_type="text/javascript", headers=headers)

    return [Route(BUNDLE_PATH, deckgl, methods=["GET"]), Route(PATH, tile, methods=["GET"])]
