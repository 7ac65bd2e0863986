"""When the campaign data is due for purge, and what the purge keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from dashboard.store import CampaignStore, users
from dashboard.store.campaign_settings import set_campaign_settings
from dashboard.store.contacts import add_contact
from dashboard.store.purge import (
    KEPT,
    PURGED_TABLE_LABELS,
    PURGED_TABLES,
    last_purge,
    purge_campaign_data,
    purge_if_due,
    purge_status,
    purge_with_report,
    store_tables,
)


def test_due_the_day_after_the_retention_period(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    status = purge_status(store, today=date(2027, 1, 1))
    assert status.purge_after is None and not status.due and set(status.rows) == set(PURGED_TABLES)
    set_campaign_settings(store, by="cli", election_date=date(2026, 3, 22), retention_days=30)
    assert purge_status(store, today=date(2026, 4, 20)).due is False
    assert purge_status(store, today=date(2026, 4, 21)).due is True
    assert purge_status(store, today=date(2026, 4, 21)).purge_after == date(2026, 4, 21)


def test_purge_keeps_accounts_and_settings(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    users.add_user(store, "directrice", "un-mot-de-passe-solide", "admin", by="cli")
    set_campaign_settings(store, by="cli", election_date=date(2026, 3, 22), retention_days=0)
    store.save_view("Vue", {}, by="cli")
    deleted = purge_campaign_data(store, by="cli")
    assert deleted["saved_view"] == 1 and store.views() == []
    assert users.get_user(store, "directrice") is not None
    assert purge_status(store).purge_after == date(2026, 3, 22)


def test_every_purged_table_has_a_french_label() -> None:
    assert set(PURGED_TABLE_LABELS) == set(PURGED_TABLES)


def test_every_table_of_the_store_is_purged_or_kept_for_a_reason(new_store: Callable[..., CampaignStore]) -> None:
    """A new table (voters, consents…) fails here until it is one line of PURGED or KEPT."""
    store = new_store()
    with store.read():  # created and migrated
        pass
    tables = store_tables(store)
    unclassified = tables - set(PURGED_TABLES) - set(KEPT)
    assert not unclassified, f"tables neither purged nor kept: {sorted(unclassified)}"
    assert set(PURGED_TABLES) <= tables and not set(PURGED_TABLES) & set(KEPT)


PLANTED_NAME = "Zéphyrine Plantefictive"


def _plant(store: CampaignStore) -> str:
    """One contact with a fictitious name and a remark; returns its sealed name as stored."""
    contact_id = add_contact(store, by="cli", station_id="99999_0001", address="3 rue Imaginaire", full_name=PLANTED_NAME,
                             outcome="rencontre", consent=False)
    store.save_view("Vue plantée Zorglub", {}, by="cli")
    with store.read() as con:
        return str(con.execute("SELECT full_name FROM contact WHERE contact_id = ?", [contact_id]).fetchone()[0])


def test_purge_counts_before_and_after_in_the_audit_and_nothing_left_in_the_file(
        new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    token = _plant(store)
    assert token.startswith("v1:") or ":" in token  # sealed
    if store.path is not None:  # DuckDB: the values are in the file before the purge (the scan can fail)
        store.close()
        data = store.path.read_bytes()
        assert token.encode() in data and b"Zorglub" in data
    else:
        with store.read() as con:
            node = con.execute("SELECT pg_relation_filenode('contact')").fetchone()[0]
    report = purge_with_report(store, by="cli")
    assert report.before["contact"] == 1 and report.before["saved_view"] == 1
    assert set(report.after.values()) == {0} and report.deleted["contact"] == 1
    last = last_purge(store)
    assert last is not None and last.before == report.before and last.after == report.after and not last.automatic
    assert any("contacts (contact) : 1 avant, 0 après" == line for line in last.lines_fr())
    if store.path is not None:
        store.close()
        data = store.path.read_bytes()
        assert token.encode() not in data and b"Zorglub" not in data and PLANTED_NAME.encode() not in data
    else:  # VACUUM FULL: the table's rows are in new files, the old ones removed
        with store.read() as con:
            assert con.execute("SELECT pg_relation_filenode('contact')").fetchone()[0] != node
    assert add_contact(store, by="cli", station_id="99999_0001", address="a", full_name="b", outcome="absent",
                       consent=False) > 0  # the store works after the rewrite


def test_automatic_purge_at_start_only_when_due(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    _plant(store)
    assert purge_if_due(store, today=date(2030, 1, 1)) is None  # no election date: never
    set_campaign_settings(store, by="cli", election_date=date(2026, 3, 22), retention_days=30)
    assert purge_if_due(store, today=date(2026, 4, 20)) is None  # the day before
    report = purge_if_due(store, today=date(2026, 4, 21))
    assert report is not None and report.automatic and report.by == "purge-auto" and report.before["contact"] == 1
    assert purge_status(store).rows["contact"] == 0
    assert purge_if_due(store, today=date(2026, 4, 22)) is None  # nothing held: no purge (and no rewrite) at every start
    last = last_purge(store)
    assert last is not None and last.automatic


def test_the_server_purges_at_start_when_due(new_store: Callable[..., CampaignStore]) -> None:
    """The st.App lifespan (dashboard/server.py) runs the purge before serving; a failure does not stop the server."""
    import asyncio
    from types import SimpleNamespace

    from dashboard.web import startup

    store = new_store()
    _plant(store)
    set_campaign_settings(store, by="cli", election_date=date(2020, 3, 15), retention_days=30)

    async def serve(site: object) -> None:
        async with startup.lifespan(site)(None):  # type: ignore[arg-type]
            pass

    # in a thread of its own: the browser tests' session-wide Playwright keeps an event loop running in this one
    from concurrent.futures import ThreadPoolExecutor

    def run(site: object) -> None:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, serve(site)).result()

    run(SimpleNamespace(store=store))
    assert purge_status(store).rows["contact"] == 0 and last_purge(store).automatic  # type: ignore[union-attr]
    broken = SimpleNamespace(store=SimpleNamespace(exists=lambda: (_ for _ in ()).throw(OSError("disque absent"))))
    run(broken)  # logged, not raised


def test_opposition_entries_expire_after_their_years_at_start(new_store: Callable[..., CampaignStore]) -> None:
    """The opposition list outlives the campaign's purge, for OPPOSITION_YEARS years from each request; then the
    purge at start deletes the entry, audited with the count (never a name)."""
    from dashboard.store import audit, opposition

    store = new_store()
    old = opposition.add_request(store, by="cli", source="courrier", received_on=date(2023, 4, 20), birth_name="ROCHE",
                                 first_names="Aline", birth_date=date(1970, 2, 1))
    recent = opposition.add_request(store, by="cli", source="courriel", received_on=date(2023, 4, 21), birth_name="VIDAL",
                                    first_names="Marc", birth_date=date(1981, 6, 7))
    assert purge_if_due(store, today=date(2026, 4, 20)) is None  # three years to the day: both kept
    assert {e.opposition_id for e in opposition.entries(store, by="cli")} == {old, recent}
    assert purge_if_due(store, today=date(2026, 4, 21)) is None  # no campaign purge (no election date), but…
    assert {e.opposition_id for e in opposition.entries(store, by="cli")} == {recent}
    expired = [e for e in audit.entries(store, by="cli") if e.action == "opposition_expire"]
    assert len(expired) == 1 and expired[0].detail["deleted"] == 1 and expired[0].user_name == "purge-auto"
    assert "ROCHE" not in repr(expired[0].detail)
    assert opposition.expiry_cutoff(date(2028, 2, 29)) == date(2025, 2, 28)


def test_the_purge_empties_voters_and_consents_and_keeps_the_opposition_list(new_store: Callable[..., CampaignStore]) -> None:
    """What the registry declares is what happens: the electoral list, its imports and the consents go; the
    opposition list stays (and still keeps the person out of a later import)."""
    import pandas as pd

    from dashboard.privacy.identity import identity
    from dashboard.store import opposition
    from dashboard.store import voters as voter_store

    store = new_store()
    add_contact(store, by="cli", station_id="99999_0001", address="3 rue Imaginaire", full_name=PLANTED_NAME,
                outcome="rencontre", consent=True, email="z@example.fr", consents=[("recontact", "email")])
    voter_store.store_voter_list(store, by="cli", voters=pd.DataFrame({
        "line": [2], "commune_code": ["99999"], "station_id": ["99999_0001"], "list_kind": ["principale"],
        "address_id": [None], "candidate_id": [None], "match_method": ["aucune"], "match_score": [0.0],
        "match_status": ["unmatched"], "match_reason": [None], "birth_name": ["ZORGLUB"], "usage_name": [""],
        "first_names": ["Zia"], "birth_date": ["1970-02-01"], "sex": ["F"], "address": ["3 rue Imaginaire"]}),
        file_name="l.csv", file_sha256="0" * 64, election_date=None, counts_={"rows": 1, "unmatched": 1}, options={})
    opposition.add_request(store, by="cli", source="courrier", received_on=date(2026, 1, 5), birth_name="Zorglub",
                           first_names="Zia", birth_date="01/02/1970")
    report = purge_with_report(store, by="cli")
    assert {t: report.before[t] for t in ("voter", "voter_import", "consent", "contact")} == dict.fromkeys(
        ("voter", "voter_import", "consent", "contact"), 1)
    assert all(report.after[t] == 0 for t in ("voter", "voter_import", "consent", "contact"))
    assert opposition.load(store).is_opposed(identity(birth_name="ZORGLUB", first_names="Zia", birth_date="1970-02-01"))
