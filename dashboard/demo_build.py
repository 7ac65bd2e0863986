"""``isoloir demo``: generate the fictitious territory's files, then load them through the importers.

The warehouse is built in a scratch folder and moved into place at the end, so
an interrupted build never leaves a half-built warehouse behind.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from dashboard.demo.manifest import DemoFile
from dashboard.importer import import_files
from dashboard.ingest import ImportOptions
from dashboard.ingest.numbers import format_fr
from dashboard.store.campaign import CampaignStore
from dashboard.warehouse import Warehouse, warehouse_path

Progress = Callable[[str, float], None]


def _sub(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda message, fraction: progress(message, start + (end - start) * max(0.0, min(1.0, fraction)))


def import_options(item: DemoFile) -> ImportOptions:
    """The ``isoloir import`` options of one generated file (election, boundary version)."""
    return ImportOptions(
        election=item.election,
        label=item.set_label,
        valid_from=date.fromisoformat(item.valid_from) if item.valid_from else None,
        valid_to=date.fromisoformat(item.valid_to) if item.valid_to else None,
    )


def build_demo(data_dir: Path, scale: str = "city", seed: int = 2026, progress: Progress | None = None) -> list[str]:
    """Generate and import the demo territory into ``data_dir``; returns a French summary."""
    from dashboard.demo import generate_demo

    data_dir = Path(data_dir)
    started = time.perf_counter()
    sources = data_dir / "demo-sources" / scale
    manifest = generate_demo(sources, scale=scale, seed=seed, progress=_sub(progress, 0.0, 0.45))
    generated = time.perf_counter() - started
    scratch = data_dir / f".build-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        files = list(manifest.files)
        for number, item in enumerate(files):
            sub = _sub(progress, 0.45 + 0.5 * number / len(files), 0.45 + 0.5 * (number + 1) / len(files))
            if sub:
                sub(f"Import {item.kind} : {item.path.name}", 0.0)
            import_files(item.kind, [item.path], scratch, import_options(item))
        with Warehouse(warehouse_path(scratch)) as wh:
            with wh.transaction():
                wh.set_meta("territory", f"démo {'commune' if scale == 'city' else 'nationale'} (seed {seed})")
                wh.set_meta("demo_truth", str(manifest.truth_path.resolve()))
            counts = wh.query(
                """SELECT (SELECT count(*) FROM commune) AS communes, (SELECT count(DISTINCT station_id) FROM station) AS stations,
                          (SELECT count(*) FROM iris) AS iris, (SELECT count(*) FROM address) AS addresses,
                          (SELECT count(*) FROM election) AS elections"""
            ).iloc[0]
            wh.con.execute("CHECKPOINT")
        target = warehouse_path(data_dir)
        os.replace(warehouse_path(scratch), target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    accounts = _demo_accounts(data_dir)
    elapsed = time.perf_counter() - started
    if progress:
        progress("Territoire de démonstration prêt", 1.0)
    size = target.stat().st_size
    return [
        f"Territoire de démonstration ({scale}, données fictives) construit dans {target}",
        f"  {format_fr(int(counts['communes']))} communes, {format_fr(int(counts['stations']))} bureaux, {format_fr(int(counts['iris']))} IRIS, "
        f"{format_fr(int(counts['addresses']))} adresses, {format_fr(int(counts['elections']))} élections",
        f"  durée : {format_fr(elapsed, 1)} s (génération {format_fr(generated, 1)} s, import {format_fr(elapsed - generated, 1)} s) ; "
        f"entrepôt : {format_fr(size / 1e6, 1)} Mo",
        accounts,
    ]


def _demo_accounts(data_dir: Path) -> str:
    """One demo account per role in the data dir's campaign store (never beside real accounts)."""
    from dashboard.errors import IsoloirError
    from dashboard.store.campaign import CAMPAIGN_FILE
    from dashboard.store.users import DEMO_PASSWORDS, ensure_demo_accounts

    store = CampaignStore(data_dir / CAMPAIGN_FILE)
    try:
        ensure_demo_accounts(store)
    except IsoloirError as error:
        return f"  comptes de démonstration non créés : {error.message_fr}"
    zones_line = _demo_zones(store, data_dir)
    return "  comptes de démonstration (nom = rôle, mot de passe demo-<rôle>) : " + ", ".join(DEMO_PASSWORDS) + zones_line


# Fictional people for the demo's Terrain page (the demo territory is fictional too).
_DEMO_CONTACTS = [
    ("Camille Exemple", "rencontre", True, "06 00 00 00 01", None),
    ("Dominique Fictif", "absent", False, None, None),
    ("Claude Démo", "rencontre", False, None, None),
]


def _demo_zones(store: CampaignStore, data_dir: Path) -> str:
    """Two demo zones (one assigned to ``canvasser``) and three fictional contacts, once."""
    from datetime import timedelta

    from dashboard.store import contacts, zones

    if zones.zones_for(store, by="demo"):
        return ""
    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        ids = list(wh.query(
            """SELECT station_id FROM address GROUP BY station_id
               ORDER BY split_part(station_id, '_', 1), try_cast(split_part(station_id, '_', 2) AS INTEGER) LIMIT 7"""
        )["station_id"])
        first = wh.query("SELECT label FROM address WHERE station_id = ? ORDER BY address_id LIMIT 3", [ids[0]])["label"]
    if len(ids) < 7:
        return ""
    centre = zones.create_zone(store, "Centre-ville (démo)", ids[:4], by="demo")
    zones.assign_zone(store, centre.zone_id, "canvasser", by="demo", due_date=date.today() + timedelta(days=14))
    zones.create_zone(store, "Quartier nord (démo)", ids[4:7], by="demo")
    for (name, outcome, consent, phone, email), address in zip(_DEMO_CONTACTS, first):
        contacts.add_contact(store, by="demo", station_id=ids[0], address=address, full_name=name,
                             outcome=outcome, consent=consent, phone=phone, email=email)
    return "\n  zones de démonstration : « Centre-ville (démo) » (affectée à canvasser), « Quartier nord (démo) »"
