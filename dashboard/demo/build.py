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

from dashboard.boundaries.crosswalk import refresh_after_import
from dashboard.iris.weights import ADDRESSES, store_station_iris
from dashboard.demo.manifest import DemoFile
from dashboard.warehouse.importer import parse_files, write_parsed
from dashboard.ingest import ImportOptions
from dashboard.formats import format_fr
from dashboard.store.campaign import CampaignStore
from dashboard.warehouse.database import Warehouse, warehouse_path
from dashboard.warehouse.writing import install, writer_lock
from dashboard.files import private_dir

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

    data_dir = private_dir(Path(data_dir))
    started = time.perf_counter()
    sources = data_dir / "demo-sources" / scale
    manifest = generate_demo(sources, scale=scale, seed=seed, progress=_sub(progress, 0.0, 0.45))
    generated = time.perf_counter() - started
    scratch = data_dir / f".build-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        files = list(manifest.files)
        # One writer on the scratch file (no app reads it): each file still in its own transaction.
        with Warehouse(warehouse_path(scratch)) as wh:
            for number, item in enumerate(files):
                sub = _sub(progress, 0.45 + 0.45 * number / len(files), 0.45 + 0.45 * (number + 1) / len(files))
                if sub:
                    sub(f"Import {item.kind} : {item.path.name}", 0.0)
                options = import_options(item)
                write_parsed(wh, item.kind, parse_files(item.kind, [item.path], options), options,
                             after_write=refresh_after_import)
            # IRIS → station weights (REU addresses, else areas), as `isoloir interpolate` does,
            # so that the demo's indicators per station use them out of the box
            weights = store_station_iris(wh, progress=_sub(progress, 0.9, 0.97))
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
        with writer_lock(target, progress=progress):  # after any import running now; the app follows
            install(warehouse_path(scratch), target)
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
        f"  pondérations IRIS → bureaux : {format_fr(len(weights))} ligne(s), "
        f"{format_fr(int(weights.loc[weights['method'] == ADDRESSES, ['set_id', 'station_id']].drop_duplicates().shape[0]))} "
        f"bureau(x) par adresses, "
        f"{format_fr(int(weights.loc[weights['method'] != ADDRESSES, ['set_id', 'station_id']].drop_duplicates().shape[0]))} "
        "par surface",
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
        try:
            zones_line = seed_demo_store(store, data_dir)
        except IsoloirError as error:
            return f"  comptes de démonstration non créés : {error.message_fr}"
    finally:
        store.close()  # the file is complete on disk (the tests and the app copy or open it next)
    return "  comptes de démonstration (nom = rôle, mot de passe demo-<rôle>) : " + ", ".join(DEMO_PASSWORDS) + zones_line


def seed_demo_store(store: CampaignStore, data_dir: Path) -> str:
    """The demo's accounts, zones, turfs, contacts and slides in ``store`` (any backend), read from the demo
    warehouse of ``data_dir``; what was added, in French."""
    from dashboard.store.users import ensure_demo_accounts

    ensure_demo_accounts(store)
    return _demo_zones(store, data_dir) + _demo_slides(store)


# The demo's Présentation slides (saved views): turnout, the winner, a swing — on elections the demo holds.
DEMO_SLIDES: tuple[tuple[str, dict[str, object]], ...] = (
    ("Participation — législatives 2024, 2d tour", {"election_id": "leg2024_t2", "kind": "turnout"}),
    ("En tête — législatives 2024, 1er tour", {"election_id": "leg2024_t1", "kind": "winner"}),
    ("Extrême droite : des européennes aux législatives 2024",
     {"election_id": "leg2024_t1", "kind": "swing_share", "target_type": "bloc", "target": "extreme_droite",
      "reference_id": "euro2024"}),
)


def _demo_slides(store: CampaignStore) -> str:
    """Three saved views, so that Présentation opens on slides (once: a store with views keeps its own)."""
    from dashboard.maps.view import MapView

    if store.views():
        return ""
    for name, fields in DEMO_SLIDES:
        store.save_view(name, MapView(**fields).to_dict(), by="demo")  # type: ignore[arg-type]
    return f"\n  diapositives de démonstration (Présentation) : {format_fr(len(DEMO_SLIDES))}"


# Fictional people for the demo's Terrain page (the demo territory is fictional too).
_DEMO_CONTACTS = [
    ("Camille Exemple", "rencontre", True, "06 00 00 00 01", None),
    ("Dominique Fictif", "absent", False, None, None),
    ("Claude Démo", "rencontre", False, None, None),
]


# The demo zones' turfs: about this many doors each (the Zones page's default size).
_DEMO_TURF_DOORS = 40


def _demo_zones(store: CampaignStore, data_dir: Path) -> str:
    """Two demo zones with their addresses, counts and turfs, and three fictional contacts, once.

    Each zone's addresses are cut into turfs of about 40 doors, stored in walk order; turf 1 of
    « Centre-ville » is assigned to ``canvasser`` with a due date (a turf assignment only: the
    canvasser's Terrain page shows that turf and no other, while the zone's stations open to their
    map through it — ``store.zones``' scope); the contacts were met at doors of that turf.
    """
    from datetime import timedelta

    from dashboard.store import contacts, turfs, zones

    if zones.zones_for(store, by="demo"):
        return ""
    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        ids = list(wh.query(
            """SELECT station_id FROM address GROUP BY station_id
               ORDER BY split_part(station_id, '_', 1), try_cast(split_part(station_id, '_', 2) AS INTEGER) LIMIT 7"""
        )["station_id"])
        if len(ids) < 7:
            return ""
        plans = [_demo_zone_plan(wh, name, stations)
                 for name, stations in (("Centre-ville (démo)", ids[:4]), ("Quartier nord (démo)", ids[4:7]))]
    saved = []
    for plan in plans:
        zone = zones.create_zone(store, plan["name"], plan["stations"], by="demo", geometry_wkb=plan["geometry"],
                                 address_ids=plan["address_ids"], counts=plan["counts"])
        saved.append(turfs.save_turfs(store, zone.zone_id, plan["turfs"], by="demo"))
    turfs.assign_turf(store, saved[0][0].turf_id, "canvasser", by="demo", due_date=date.today() + timedelta(days=14))
    doors = list(saved[0][0].address_ids[:len(_DEMO_CONTACTS)])  # people met at the doors of canvasser's turf
    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        labels = dict(wh.query("SELECT address_id, label FROM address WHERE address_id IN (SELECT unnest(?::VARCHAR[]))",
                               [doors]).itertuples(index=False, name=None))
    for (name, outcome, consent, phone, email), door in zip(_DEMO_CONTACTS, doors):
        contacts.add_contact(store, by="demo", address_id=door, address=labels.get(door, door), full_name=name,
                             outcome=outcome, consent=consent, phone=phone, email=email)
    return (f"\n  zones de démonstration : « {plans[0]['name']} » ({format_fr(len(saved[0]))} secteurs, le secteur 1 "
            f"affecté à canvasser), « {plans[1]['name']} » ({format_fr(len(saved[1]))} secteurs)")


def _demo_zone_plan(wh: Warehouse, name: str, station_ids: list[str]) -> dict:
    """A demo zone made of whole stations: outline, addresses, counts (latest election) and turfs in walk order."""
    import shapely

    from dashboard.canvass.turfs import cut_turfs

    from dashboard.canvass.walklist import in_walk_order

    from dashboard.canvass.selection import select_stations

    import dashboard.canvass.sources as sources
    from dashboard.canvass.counts import selection_estimates, zone_counts
    from dashboard.store.turfs import TurfInput
    from dashboard.warehouse.queries import latest_election

    election = latest_election(wh)
    selection = select_stations(wh, station_ids, election_id=election)
    registered = sources.registered_by_station(wh, election, list(selection.station_ids)) if election else None
    addresses = selection_estimates(selection, registered)  # with estimated electors and doors per address
    counts = zone_counts(selection, registered=registered)
    plan = in_walk_order(cut_turfs(addresses, _DEMO_TURF_DOORS, zone=selection.polygon), addresses)
    return {
        "name": name,
        "stations": list(selection.station_ids),
        "geometry": None if selection.polygon.is_empty else shapely.to_wkb(selection.polygon),
        "address_ids": list(selection.address_ids),
        "counts": {"registered": None if counts.registered is None else round(counts.registered),
                   "addresses": counts.address_points, "doors": counts.doors, "election_id": election},
        "turfs": [TurfInput.of(turf) for turf in plan.turfs],
    }
