"""The field tests' starting store: accounts (bcrypt at its cheapest cost), a zone « Nord » over the given
doors, cut in two turfs (doors 1–2 | doors 3–4), turf 1 assigned to paul and turf 2 to lea."""

from __future__ import annotations

from datetime import datetime

import bcrypt
import pytest

from dashboard.store import CampaignStore, turfs, users, zones
from dashboard.store.turfs import TurfInput
from dashboard.store.users import User
from dashboard.store.zones import Zone


def two_turfs(store: CampaignStore, accounts: dict[str, str], password: str, doors: list[str], estimate: int,
              now: datetime) -> tuple[dict[str, User], list[int], Zone]:
    """Fill ``store`` as the module docstring says; the accounts by name, the two turf ids and the zone."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name, role in accounts.items():
            users.add_user(store, name, password, role, by="cli", now=now)
    nord = zones.create_zone(store, "Nord", ["45999_1", "45999_2"], by="cli", now=now, address_ids=doors)
    saved = turfs.save_turfs(store, nord.zone_id, [TurfInput(1, doors[:2], estimate), TurfInput(2, doors[2:], estimate)],
                             by="cli", now=now)
    turf_ids = [t.turf_id for t in saved]
    turfs.assign_turf(store, turf_ids[0], "paul", by="cli", now=now)
    turfs.assign_turf(store, turf_ids[1], "lea", by="cli", now=now)
    return {u.user_name: u for u in users.list_users(store, by="cli")}, turf_ids, nord
