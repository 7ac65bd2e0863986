"""The app's pages: key (= URL path = key of ``dashboard.access.permissions.PAGES``) -> file, title, icon.

``dashboard/app.py`` registers those whose file exists (all of them in a full
checkout); the admin page's rights tab names them.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


class PageFile(NamedTuple):
    file: str
    title: str
    icon: str


PAGE_FILES: dict[str, PageFile] = {
    "carte": PageFile("carte.py", "Carte", ":material/map:"),
    "presentation": PageFile("presentation.py", "Présentation", ":material/slideshow:"),
    "donnees": PageFile("entrepot.py", "Données", ":material/database:"),
    "import": PageFile("importer.py", "Importer", ":material/upload_file:"),
    "cibles": PageFile("cibles.py", "Cibles", ":material/target:"),
    "zones": PageFile("zones.py", "Zones", ":material/polyline:"),
    "terrain": PageFile("terrain.py", "Terrain", ":material/directions_walk:"),
    "admin": PageFile("admin.py", "Administration", ":material/admin_panel_settings:"),
}


def existing_pages() -> dict[str, PageFile]:
    """The pages whose file exists, in navigation order."""
    return {key: page for key, page in PAGE_FILES.items() if (PAGES_DIR / page.file).exists()}
