"""Campaign settings: election date, retention period, name; admin only, audited, validated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import bcrypt
import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, users
from dashboard.store.campaign_settings import (
    DEFAULT_RETENTION_DAYS,
    CampaignSettings,
    SettingsError,
    get_campaign_settings,
    set_campaign_settings,
)
from dashboard.store.users import User
from tests.campaign_stores import StoreMaker

T0 = datetime(2026, 3, 1, 9, 0, 0)
BY_ROLE = {"admin": "dir", "candidate": "cand", "strategist": "strat", "canvasser": "paul", "viewer": "obs"}


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> tuple[CampaignStore, dict[str, User]]:
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for role, name in BY_ROLE.items():
            users.add_user(store, name, "a-long-password-1", role, by="cli", now=T0)
    return store, {role: users.get_user(store, name) for role, name in BY_ROLE.items()}  # type: ignore[misc]


@pytest.fixture
def store(template: tuple[CampaignStore, dict[str, User]], new_store: Callable[..., CampaignStore]) -> CampaignStore:
    return new_store(clone_of=template[0])


def _settings_entries(store: CampaignStore) -> list[audit.AuditEntry]:
    return [e for e in audit.entries(store, by="cli") if e.action not in ("user_add",)]


def test_defaults_without_creating_the_file(tmp_path: Path) -> None:
    store = CampaignStore(tmp_path / "none.duckdb")
    current = get_campaign_settings(store)
    assert current == CampaignSettings() and current.retention_days == DEFAULT_RETENTION_DAYS == 30
    assert current.election_date is None and current.purge_after is None and current.name is None
    assert not store.path.exists()


def test_set_get_purge_after_and_audit(store: CampaignStore, template: tuple[CampaignStore, dict[str, User]]) -> None:
    admin = template[1]["admin"]
    assert get_campaign_settings(store) == CampaignSettings()  # the table exists, no row yet
    saved = set_campaign_settings(store, by=admin, election_date=date(2026, 3, 15), retention_days=30,
                                  name="  Municipales\n2026 ", now=T0)
    assert saved == get_campaign_settings(store)
    assert (saved.name, saved.election_date, saved.retention_days, saved.updated_by, saved.updated_at) == (
        "Municipales 2026", date(2026, 3, 15), 30, "dir", T0)
    assert saved.purge_after == date(2026, 4, 14)
    [entry] = _settings_entries(store)
    assert (entry.user_name, entry.action, entry.object_type, entry.outcome) == ("dir", "settings", "campaign", "success")
    unset = {"warning_days": 14, "controller_name": None, "controller_address": None, "contact_email": None, "referent": None}
    assert entry.detail == {"name": "Municipales 2026", "election_date": "2026-03-15", "retention_days": 30, **unset,
                            "previous": {"name": None, "election_date": None, "retention_days": 30, **unset}}
    # replace: French date, retention as text, name cleared; the entry keeps the previous values
    again = set_campaign_settings(store, by="cli", election_date="22/03/2026", retention_days=" 0 ")
    assert (again.name, again.election_date, again.retention_days, again.purge_after) == (None, date(2026, 3, 22), 0, date(2026, 3, 22))
    assert _settings_entries(store)[0].detail["previous"] == {"name": "Municipales 2026", "election_date": "2026-03-15",
                                                               "retention_days": 30, **unset}
    unset = set_campaign_settings(store, by=admin, election_date=None, retention_days=365)
    assert unset.election_date is None and unset.purge_after is None and unset.retention_days == 365
    with store.write() as con:
        assert con.execute("SELECT count(*) FROM campaign_setting").fetchone()[0] == 1  # a single row


def test_only_the_admin_writes(store: CampaignStore, template: tuple[CampaignStore, dict[str, User]]) -> None:
    set_campaign_settings(store, by="cli", election_date="2026-03-15", retention_days=30, name="Municipales")
    before = get_campaign_settings(store)
    for role in ("candidate", "strategist", "canvasser", "viewer"):
        with pytest.raises(PermissionDenied, match="gérer les comptes"):
            set_campaign_settings(store, by=template[1][role], election_date="2027-01-01", retention_days=10)
        assert get_campaign_settings(store) == before  # everyone may read; nothing changed
    denied = [e for e in _settings_entries(store) if e.action == "permission_denied"]
    assert sorted(e.user_name for e in denied) == ["cand", "obs", "paul", "strat"]
    assert all(e.outcome == "denied" and e.detail == {"action": "manage_users"} for e in denied)
    assert set_campaign_settings(store, by=template[1]["admin"], election_date="2027-01-01", retention_days=10).retention_days == 10


@pytest.mark.parametrize(("election_date", "retention", "name", "message"), [
    ("2026-03-15", -1, None, "entre 0 et 365"),
    ("2026-03-15", 366, None, "entre 0 et 365"),
    ("2026-03-15", True, None, "nombre de jours"),
    ("2026-03-15", 7.5, None, "entier"),
    ("2026-03-15", "trente", None, "durée de conservation invalide"),
    ("2026-03-15", None, None, "durée de conservation invalide"),
    ("15 mars", 30, None, "date de l'élection invalide"),
    ("31/02/2026", 30, None, "date de l'élection invalide"),
    ("1899-01-01", 30, None, "improbable"),
    ("2026-03-15", 30, "x" * 121, "trop long"),
])
def test_validation_changes_nothing(store: CampaignStore, election_date: object, retention: object, name: object,
                                    message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        set_campaign_settings(store, by="cli", election_date=election_date, retention_days=retention, name=name)  # type: ignore[arg-type]
    assert get_campaign_settings(store) == CampaignSettings() and _settings_entries(store) == []


@pytest.mark.parametrize("hostile", ["'; DROP TABLE campaign_setting; --", "Liste « L'Avenir » \"2026\""])
def test_hostile_name_is_bound(store: CampaignStore, hostile: str) -> None:
    saved = set_campaign_settings(store, by="cli", election_date=datetime(2026, 3, 15, 8, 0), retention_days=30, name=hostile)
    assert saved.name == hostile and saved.election_date == date(2026, 3, 15)
    assert get_campaign_settings(store).name == hostile and audit.verify_chain(store) is None


def test_who_is_responsible_and_the_warning(store: CampaignStore) -> None:
    saved = set_campaign_settings(store, by="cli", election_date=date(2026, 3, 22), retention_days=10, name="Liste Test",
                                  controller_name=" Camille Exemple ", controller_address="1 rue de la Démo, 99999 Fictiville",
                                  contact_email="donnees@example.org", referent="Dominique Test, referent@example.org",
                                  warning_days="7")
    assert (saved.controller_name, saved.contact_email, saved.warning_days) == ("Camille Exemple", "donnees@example.org", 7)
    assert saved.purge_after == date(2026, 4, 1)
    assert saved.warning(date(2026, 3, 24)) is None  # 8 days before
    soon = saved.warning(date(2026, 3, 25))
    assert soon is not None and "01/04/2026" in soon and "dans 7 jours" in soon
    assert "est passée" in (saved.warning(date(2026, 4, 1)) or "")
    with pytest.raises(SettingsError, match="courriel de contact invalide"):
        set_campaign_settings(store, by="cli", election_date=None, retention_days=10, contact_email="pas un courriel")
    with pytest.raises(SettingsError, match="avertissement hors bornes"):
        set_campaign_settings(store, by="cli", election_date=None, retention_days=10, warning_days=91)
    assert get_campaign_settings(store) == saved  # refused: nothing changed
