"""The counts stored with a zone (``zone_count``): registered voters, addresses, doors, score sum, expected net votes."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from dashboard.errors import IsoloirError
from dashboard.store.backend import Tx
from dashboard.store.errors import ZoneError
from dashboard.store.validate import clean_text

MAX_COUNT_LABEL = 120


@dataclass(frozen=True)
class ZoneCounts:
    """The counts stored with a zone, and what they were computed for (all optional).

    ``doors`` is the estimate from the address counts; ``score_sum`` the sum of
    the target score over the zone; ``expected_net_votes`` may be negative;
    ``election_id`` and ``target`` say which election and target (score
    definition) the numbers belong to; ``computed_at`` defaults to the write time.
    """

    registered: int | None = None
    addresses: int | None = None
    doors: int | None = None
    score_sum: float | None = None
    expected_net_votes: float | None = None
    election_id: str | None = None
    target: str | None = None
    computed_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["computed_at"] = self.computed_at.isoformat() if self.computed_at else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ZoneCounts | None:
        if not data:
            return None
        values = {k: data.get(k) for k in cls.__dataclass_fields__}
        if values["computed_at"]:
            values["computed_at"] = datetime.fromisoformat(values["computed_at"])
        return cls(**values)


def _count(value: object, what: str, *, integer: bool, signed: bool = False) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy numbers are Real too
        raise ZoneError(f"{what} : nombre attendu")
    number = float(value)
    if not math.isfinite(number):
        raise ZoneError(f"{what} : nombre fini attendu")
    if not signed and number < 0:
        raise ZoneError(f"{what} : nombre positif attendu")
    if integer:
        if number != int(number):
            raise ZoneError(f"{what} : nombre entier attendu")
        return int(number)
    return number


def clean_counts(counts: ZoneCounts | Mapping[str, Any] | None, now: datetime) -> ZoneCounts | None:
    """Checked counts (a :class:`ZoneCounts` or a mapping of its fields); ``computed_at`` defaults to ``now``."""
    if counts is None:
        return None
    if isinstance(counts, Mapping):
        unknown = set(counts) - set(ZoneCounts.__dataclass_fields__)
        if unknown:
            raise ZoneError(f"chiffres de zone inconnus : {', '.join(sorted(map(str, unknown)))}")
        counts = ZoneCounts(**counts)
    if not isinstance(counts, ZoneCounts):
        raise ZoneError("chiffres de zone invalides : ZoneCounts attendu")
    labels = {}
    for key, what in (("election_id", "l'élection des chiffres"), ("target", "la cible des chiffres")):
        try:
            labels[key] = clean_text(getattr(counts, key), what, MAX_COUNT_LABEL, required=False)
        except IsoloirError as error:
            raise ZoneError(error.message_fr) from None
    computed_at = counts.computed_at or now
    if not isinstance(computed_at, datetime):
        raise ZoneError("date de calcul des chiffres invalide")
    return ZoneCounts(
        registered=_count(counts.registered, "inscrits", integer=True),
        addresses=_count(counts.addresses, "adresses", integer=True),
        doors=_count(counts.doors, "portes", integer=True),
        score_sum=_count(counts.score_sum, "somme des scores", integer=False, signed=True),
        expected_net_votes=_count(counts.expected_net_votes, "voix nettes attendues", integer=False, signed=True),
        election_id=labels["election_id"], target=labels["target"],
        computed_at=computed_at.astimezone(timezone.utc).replace(tzinfo=None) if computed_at.tzinfo else computed_at,
    )


def write_counts(con: Tx, zone_id: int, counts: ZoneCounts | None) -> None:
    con.execute("DELETE FROM zone_count WHERE zone_id = ?", [zone_id])
    if counts is not None:
        con.execute(
            "INSERT INTO zone_count (zone_id, registered, addresses, doors, score_sum, expected_net_votes, election_id, target, "
            "computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [zone_id, counts.registered, counts.addresses, counts.doors, counts.score_sum, counts.expected_net_votes,
             counts.election_id, counts.target, counts.computed_at],
        )


def counts_of(row: tuple[Any, ...] | None) -> ZoneCounts | None:
    if row is None:
        return None
    registered, addresses, doors, score_sum, net, election_id, target, computed_at = row
    return ZoneCounts(
        None if registered is None else int(registered), None if addresses is None else int(addresses),
        None if doors is None else int(doors), score_sum, net, election_id, target, computed_at,
    )


COUNT_COLUMNS = "registered, addresses, doors, score_sum, expected_net_votes, election_id, target, computed_at"
