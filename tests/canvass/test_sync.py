"""The phone's offline sync (``dashboard.canvass.sync``): no visit lost, none counted twice.

The property test drives a phone and a server through 1,000 random sequences of taps, offline and online
periods, reloads (the page's memory gone, its storage kept) and faulty requests (lost on the way, answer
lost on the way back, delivered twice, batches arriving out of order), then brings the phone back online:
the server must hold every visit recorded, exactly once, in the phone's order.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.canvass.sync import Outbox, PhoneVisit, in_phone_order, merge, waiting_fr

ACTIONS = ("tap", "tap", "tap", "bulk", "offline", "online", "reload", "send", "send", "ask_held")
FAULTS = ("ok", "ok", "lost_request", "lost_answer", "twice", "late")


@dataclass
class Server:
    held: dict[str, PhoneVisit] = field(default_factory=dict)
    inserted: list[str] = field(default_factory=list)  # every id the server ever inserted (a double would show here)
    late: list[list[PhoneVisit]] = field(default_factory=list)  # requests still travelling

    def receive(self, batch: list[PhoneVisit]) -> list[str]:
        self.held, new = merge(self.held, batch)
        self.inserted += new
        return [v.visit_id for v in batch if v.visit_id in self.held]


@dataclass
class Phone:
    """What survives a reload (``storage``: the outbox and the counter) and what does not (``memory``)."""

    storage_outbox: Outbox = field(default_factory=Outbox)
    storage_seq: int = 0
    clock: int = 1_700_000_000_000
    online: bool = True
    recorded: list[PhoneVisit] = field(default_factory=list)  # the test's record of every tap, in order

    def tap(self, rng: random.Random, households: int = 1) -> None:
        for _ in range(households):  # a bulk « absent »: one visit per household, one tap
            self.clock += rng.choice((0, 1, 500, 30_000))  # two visits may share a millisecond
            self.storage_seq += 1
            visit = PhoneVisit(str(uuid.UUID(int=rng.getrandbits(128))), 1, f"ban{rng.randrange(20)}@45999_1",
                               rng.choice(("ouvert", "absent", "refus", "ne_plus_solliciter", "repasser")),
                               self.clock, self.storage_seq)
            self.storage_outbox.add(visit)  # written before the screen says "done"
            self.recorded.append(visit)

    def reload(self) -> None:
        # the page's memory is gone; localStorage is read back (a copy, as JSON would give)
        self.storage_outbox = Outbox(dict(self.storage_outbox.items))

    def send(self, server: Server, rng: random.Random, fault: str) -> None:
        if not self.online or not len(self.storage_outbox):
            return
        batch = self.storage_outbox.batch(rng.choice((1, 3, 50)))
        if fault == "lost_request":
            return
        if fault == "late":  # arrives after later requests
            server.late.append(batch)
            return
        held = server.receive(batch)
        if fault == "twice":
            held = server.receive(batch)
        if fault == "lost_answer":
            return
        self.storage_outbox.acknowledge(held)

    def ask_held(self, server: Server) -> None:
        if self.online:
            self.storage_outbox.acknowledge([v.visit_id for v in self.storage_outbox.pending() if v.visit_id in server.held])


def _run(seed: int, steps: int) -> tuple[Phone, Server]:
    rng = random.Random(seed)
    phone, server = Phone(), Server()
    for _ in range(steps):
        action = rng.choice(ACTIONS)
        if action == "tap":
            phone.tap(rng)
        elif action == "bulk":
            phone.tap(rng, rng.randint(2, 6))
        elif action == "offline":
            phone.online = False
        elif action == "online":
            phone.online = True
        elif action == "reload":
            phone.reload()
        elif action == "send":
            phone.send(server, rng, rng.choice(FAULTS))
        elif action == "ask_held":
            phone.ask_held(server)
        if server.late and rng.random() < 0.3:
            server.receive(server.late.pop(rng.randrange(len(server.late))))  # its answer goes nowhere
    # back online for good: the page sends until nothing waits; late requests arrive in the end
    phone.online = True
    for batch in server.late:
        server.receive(batch)
    for _ in range(10_000):
        if not len(phone.storage_outbox):
            break
        phone.send(server, rng, "ok")
    return phone, server


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(0, 80))
def test_offline_sync_loses_and_doubles_no_visit(seed: int, steps: int) -> None:
    phone, server = _run(seed, steps)
    recorded = [v.visit_id for v in phone.recorded]
    assert len(phone.storage_outbox) == 0
    assert sorted(server.inserted) == sorted(recorded), "a visit was lost or counted twice"
    assert len(set(server.inserted)) == len(server.inserted)
    assert [v.visit_id for v in in_phone_order(server.held.values())] == recorded, "not in the phone's order"


def test_sync_merge_keeps_the_first_copy_of_an_id() -> None:
    first = PhoneVisit("a", 1, "x@45999_1", "absent", 10, 1)
    again = PhoneVisit("a", 1, "x@45999_1", "ouvert", 20, 2)
    held, new = merge({}, [first, again])
    assert new == ["a"] and held["a"] is first
    held, new = merge(held, [again])
    assert new == [] and held["a"] is first


def test_sync_outbox_forgets_only_what_the_server_holds() -> None:
    box = Outbox()
    visits = [PhoneVisit(str(i), 1, "x@45999_1", "absent", 100 - i, i) for i in range(3)]
    for v in visits:
        box.add(v)
    assert [v.visit_id for v in box.batch(2)] == ["2", "1"]  # oldest phone time first
    assert box.acknowledge(["1", "unknown"]) == 1
    assert [v.visit_id for v in box.pending()] == ["2", "0"]


def test_sync_waiting_counter_in_french() -> None:
    assert waiting_fr(0) == "Tout est envoyé"
    assert waiting_fr(1) == "1 passage en attente d'envoi"
    assert waiting_fr(3) == "3 passages en attente d'envoi"
