"""The deck.gl bundle the map component evaluates: pydeck's ``nbextension/static/index.js``.

It is 1.2 MB and changes only with the installed pydeck, so it is served under a URL naming its content
(:func:`bundle_url`: ``/carte-geo/deckgl-<sha256 prefix>.js``, by ``dashboard/web/geo.py``) that the browser
keeps for a year (``immutable``): a page opened again takes it from the browser's cache instead of
downloading it again (Streamlit's components route sends it without any cache header).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pydeck as pdk

from dashboard.maps.tiles import ROUTE_PREFIX

PYDECK_STATIC = "nbextension/static"  # inside the pydeck package: index.js, the deck.gl bundle
URL_PREFIX = ROUTE_PREFIX + "deckgl-"
DIGEST_CHARS = 16


def bundle_path() -> Path:
    """The deck.gl bundle of the installed pydeck (what the browser loads)."""
    return Path(pdk.__file__).resolve().parent / PYDECK_STATIC / "index.js"


@dataclass(frozen=True)
class Bundle:
    """The bundle's bytes, gzipped, and the digest that names them."""

    plain: bytes
    zipped: bytes
    digest: str


@functools.cache
def bundle() -> Bundle:
    """The installed pydeck's bundle, read and gzipped once per process."""
    plain = bundle_path().read_bytes()
    return Bundle(plain, gzip.compress(plain, compresslevel=6, mtime=0), hashlib.sha256(plain).hexdigest()[:DIGEST_CHARS])


def bundle_url() -> str:
    """The bundle's content-addressed URL path (a new pydeck gives a new URL)."""
    return f"{URL_PREFIX}{bundle().digest}.js"
