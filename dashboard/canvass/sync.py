"""The phone's offline sync, as a pure model: an outbox of visits, merged on the server by their ids.

The phone page (``dashboard/web/static/field/app.js``) does exactly this, in the browser's
``localStorage``; the property test (``tests/canvass/test_sync.py``) drives this model through random
offline / online / reload / lost-answer sequences. The rules:

1. **A visit is written to the outbox before the screen says it is done**, with an id made on the
   phone (a UUID), the phone's time and a counter that the phone keeps across reloads (``seq``): a
   reload, a crash or a flat battery after the tap loses nothing.
2. **Sending never removes anything**: the phone sends the outbox (oldest first, by batches) and removes
   only the ids the server answers it holds (:meth:`Outbox.acknowledge`). A request lost on the way,
   an answer lost on the way back, a page reloaded in between: the visits stay and are sent again.
3. **The server's insert is idempotent on the id** (:func:`merge`, ``store.visits.sync``: ``ON
   CONFLICT (visit_id) DO NOTHING``): the first copy of an id is kept, later copies change nothing, so
   a visit sent twice is counted once whatever the order batches arrive in.
4. **Order is the phone's**: visits are ordered by (phone time, ``seq``, id) (:func:`in_phone_order`),
   never by arrival.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dashboard.formats import format_fr


@dataclass(frozen=True)
class PhoneVisit:
    """A visit as the phone records it (``recorded_at``: milliseconds since the epoch, the phone's clock)."""

    visit_id: str
    turf_id: int
    address_id: str
    outcome: str
    recorded_at: int
    seq: int
    household_id: str | None = None


def order_key(visit: PhoneVisit) -> tuple[int, int, str]:
    return (visit.recorded_at, visit.seq, visit.visit_id)


def in_phone_order(visits: Iterable[PhoneVisit]) -> list[PhoneVisit]:
    """Visits in the order they were recorded on the phone: phone time, then the phone's counter, then the id."""
    return sorted(visits, key=order_key)


@dataclass
class Outbox:
    """The visits recorded on the phone and not yet acknowledged by the server (persisted on the phone)."""

    items: dict[str, PhoneVisit] = field(default_factory=dict)

    def add(self, visit: PhoneVisit) -> None:
        """Keep ``visit`` until the server holds it (the same id twice is one visit)."""
        self.items.setdefault(visit.visit_id, visit)

    def pending(self) -> list[PhoneVisit]:
        """Every visit waiting, oldest first."""
        return in_phone_order(self.items.values())

    def batch(self, size: int) -> list[PhoneVisit]:
        """The ``size`` oldest visits waiting: the next request's body."""
        return self.pending()[:max(size, 0)]

    def acknowledge(self, held: Iterable[str]) -> int:
        """Forget the visits whose ids the server holds; returns how many were forgotten."""
        gone = [i for i in set(held) if i in self.items]
        for visit_id in gone:
            del self.items[visit_id]
        return len(gone)

    def __len__(self) -> int:
        return len(self.items)


def merge(held: Mapping[str, PhoneVisit], incoming: Sequence[PhoneVisit]) -> tuple[dict[str, PhoneVisit], list[str]]:
    """The server's rule: ``held`` plus the visits of ``incoming`` whose ids it does not hold yet (the first
    copy of an id wins, in a batch too). Returns the new holdings and the ids inserted by this batch."""
    merged = dict(held)
    new = []
    for visit in incoming:
        if visit.visit_id not in merged:
            merged[visit.visit_id] = visit
            new.append(visit.visit_id)
    return merged, new


def waiting_fr(count: int) -> str:
    """The phone's counter: « 3 passages en attente d'envoi », « Tout est envoyé » at zero."""
    if count <= 0:
        return "Tout est envoyé"
    return f"{format_fr(count)} passage{'s' if count > 1 else ''} en attente d'envoi"
