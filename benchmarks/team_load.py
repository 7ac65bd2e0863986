"""Team load: N real concurrent sessions against a running Isoloir server, over Streamlit's own websocket.

    python benchmarks/team_load.py --sessions N --seconds T [--campaign-url URL] [--data-dir DIR] [--url URL]
    [--seed S] [--timeout SECONDS]

Without ``--url`` it starts its own server: a fresh copy of a demo data dir (``--data-dir``, else the city
demo built in the temp folder) in a temp folder, one account per session created there through the store
API (canvassers are given a turf of the demo zones, as ``dashboard/demo/build.py`` does), then
``isoloir run`` on a free port of 127.0.0.1 (``ISOLOIR_CAMPAIGN_URL`` set when ``--campaign-url`` is
given). With ``--url`` the sessions share the demo accounts (``canvasser``, ``strategist``, ``viewer``)
of the server found there.

Each session is a small headless Streamlit client (:class:`StreamlitSession`): the ``/_stcore/stream``
websocket, ``BackMsg.rerun_script`` with the widget states the browser would send (a form's inputs and
its submit button's trigger), and the ``ForwardMsg`` deltas it answers with, kept as an element tree by
``delta_path`` (:class:`ElementTree`) where widgets are found by their French label
(:func:`find_widget`). A session logs in over HTTP (``POST /connexion``, :func:`http_login`), opens the
websocket with the session cookie, goes to its page, then loops until
``--seconds``: one action, then a random wait of 5-25 s.

* canvassers (``/terrain``): the contact form (« Enregistrer le passage ») and the progress form
  (« Enregistrer l'avancement »);
* strategists (``/zones``): rename a zone, add an IRIS then save a new zone, or load a zone, add an IRIS
  and save its outline; half of their zone actions go to the two demo zones, which they all share;
* viewers (``/carte``): change the election or the measure;
* phone canvassers (``--phone-share F``: that share of the canvassers, 0 by default): no websocket; they
  read their turf from the phone page's API (``GET /porte-a-porte/api/secteurs`` then ``…/secteurs/<id>``)
  and record visits as the phone does, ``POST /porte-a-porte/api/envoi`` with a batch of 1-5 visits (ids
  made on the client, random doors and outcomes), one batch per action; a batch is sent again once in ten
  (a lost answer) and must not be counted twice.

Latency of a step = from sending its rerun to the ``script_finished`` that ends the run chain (a run the
page restarts with ``st.rerun`` is part of it). Errors: an ``exception`` element, an error message
(``st.error``) after a step, a write with no confirmation, a disconnect, a timeout. Lost writes: writes
confirmed to the user (the success message, or for the contact form, which shows its message just before
``st.rerun``, a restarted run with no error) that are not in the campaign store read at the end with plain
SQL (:func:`read_store_rows`, the only part that knows the store's tables). Server RSS: the server's
process tree, from /proc, before the sessions, at its peak and after them.

The last line printed is one JSON object: ``backend``, ``sessions``, ``actions``, ``errors``,
``lost_writes``, ``p95_save_s`` (contact form saves), ``p95_map_s`` (map reruns), ``rss_peak_mb``, then
the other figures (``p95_phone_visit_s``, ``phone_visits_sent``, ``phone_visits_doubled``: visits the store
holds more than once, always 0 by the primary key, checked anyway).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from dashboard.store.backend import is_postgres_url  # the one test of a PostgreSQL URL

ROOT = Path(__file__).resolve().parent.parent

# -- what the client keys on in the app (French labels and messages) ---------------------------------
# When the pages change, this is the place to adapt.
SESSION_COOKIE = "isoloir_session"  # set by POST /connexion (HttpOnly): the websocket is opened with it
CONTACT_NAME, CONTACT_OUTCOME, CONTACT_SUBMIT = "Nom de la personne", "Résultat", "Enregistrer le passage"
CONTACT_SAVED = "Passage enregistré"
PROGRESS_INPUT, PROGRESS_SUBMIT = "Portes faites sur ce secteur", "Enregistrer l'avancement"
PROGRESS_SAVED = re.compile(r"^Avancement enregistré : (?P<done>[\d\s\u202f\u00a0]+) /")
ZONE_CHOSEN = "Zone choisie"
RENAME_INPUT, RENAME_SUBMIT = "Nouveau nom", "Renommer"
ZONE_RENAMED = re.compile(r"^Zone renommée : « (?P<name>.+) »\.?$")
IRIS_SELECT, IRIS_SUBMIT = "IRIS", "Ajouter l'IRIS"
ZONE_NAME_INPUT, ZONE_SAVE_SUBMIT = "Nom de la zone", "Enregistrer la zone"
ZONE_SAVED = re.compile(r"^Zone « (?P<name>.+) » enregistrée")
EDIT_BUTTON, EDIT_SAVE, EDIT_CANCEL = "Modifier le contour sur la carte", "Enregistrer les modifications", "Annuler la modification"
ZONE_EDITED = re.compile(r"^Zone « (?P<name>.+) » modifiée \(version (?P<version>\d+)\)")
MAP_ELECTION, MAP_MEASURE = "Élection", "Mesure"
# A save from a stale copy, refused with who changed it and when (dashboard/store/errors.py EditConflict).
STALE_SAVE = re.compile(r"depuis que vous l'avez ouvert|supprimée? entre-temps")
SHARED_ZONES = ("Centre-ville (démo)", "Quartier nord (démo)")  # dashboard/demo/build.py's zones
LANDING = {"canvasser": "terrain", "strategist": "zones", "viewer": "carte"}
ROLE_MIX = (("canvasser", 0.6), ("strategist", 0.2), ("viewer", 0.2))
DEMO_ACCOUNTS = {"canvasser": ("canvasser", "demo-canvasser"), "strategist": ("strategist", "demo-strategist"),
                 "viewer": ("viewer", "demo-viewer")}
BENCH_PASSWORD = "charge-equipe-2026"  # the accounts this benchmark creates in its own copy of the demo
LOGIN_ATTEMPTS = 3  # a failed login (an exception, an error) is tried again on a reloaded page
CONTACT_PREFIX = "Charge"  # contact names: "Charge s007 n3" (unique per write)

# step kinds: what each timed rerun is
SAVE_KINDS = ("contact",)
MAP_KINDS = ("map_election", "map_measure")
WRITE_KINDS = ("contact", "progress", "zone_rename", "zone_create", "zone_edit", "phone_visit")
PHONE_API = "/porte-a-porte/api"
PHONE_OUTCOMES = ("ouvert", "absent", "refus", "ne_plus_solliciter", "repasser")

ALERT_ERROR, ALERT_SUCCESS = 1, 4  # streamlit.proto.Alert.Format
FINISHED_EARLY_FOR_RERUN = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
            ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


# -- the element tree and widgets (pure) ---------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """One element (``kind``: the ``Element`` oneof, e.g. ``selectbox``) or block (``kind="block"``)."""

    path: tuple[int, ...]
    kind: str
    proto: Any


class ElementTree:
    """The page as the browser holds it: elements by ``delta_path``, those a finished run did not send dropped."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, ...], tuple[int, Node]] = {}
        self._run = 0

    def start_run(self) -> None:
        self._run += 1

    def apply(self, path: Sequence[int], kind: str, proto: Any) -> None:
        key = tuple(path)
        self._nodes[key] = (self._run, Node(key, kind, proto))

    def finish_run(self) -> None:
        """A run ended normally: what it did not draw is gone (the browser clears stale elements)."""
        self._nodes = {k: v for k, v in self._nodes.items() if v[0] == self._run}

    def nodes(self) -> list[Node]:
        return [node for _, (_, node) in sorted(self._nodes.items())]


def find_widget(nodes: Iterable[Node], label: str, *, kind: str | None = None, prefix: bool = False,
                form: str | None = None) -> Node | None:
    """The first widget (document order) whose label is ``label`` (or starts with it: ``prefix``).

    ``kind``: the element type (``selectbox``, ``button``…); ``form``: the form id must start with it.
    """
    for node in nodes:
        if node.kind == "block":
            continue
        widget_label = getattr(node.proto, "label", None)
        if widget_label is None or not getattr(node.proto, "id", ""):
            continue
        if kind is not None and node.kind != kind:
            continue
        if not (widget_label.startswith(label) if prefix else widget_label == label):
            continue
        if form is not None and not str(getattr(node.proto, "form_id", "")).startswith(form):
            continue
        return node
    return None


def widget_state(node: Node, value: Any = True) -> WidgetState:
    """The ``WidgetState`` the browser sends for ``node`` set to ``value`` (a button: its trigger)."""
    state = WidgetState(id=node.proto.id)
    if node.kind in ("button",):
        state.trigger_value = True
    elif node.kind in ("text_input", "text_area"):
        state.string_value = str(value)
    elif node.kind in ("selectbox", "radio"):
        options = list(node.proto.options)
        if str(value) not in options:
            raise KeyError(f"{node.proto.label!r}: no option {value!r} in {options[:8]}")
        state.string_value = str(value)
    elif node.kind == "multiselect":
        state.string_array_value.data.extend(str(v) for v in value)
    elif node.kind == "checkbox":
        state.bool_value = bool(value)
    elif node.kind == "number_input":
        state.double_value = float(value)
    else:
        raise ValueError(f"widget kind not handled: {node.kind}")
    return state


def current_option(node: Node) -> str | None:
    """The option a selectbox or radio shows (its ``raw_value``, else its default index)."""
    proto = node.proto
    if proto.HasField("raw_value"):
        return proto.raw_value
    if proto.HasField("default") and 0 <= proto.default < len(proto.options):
        return proto.options[proto.default]
    return None


# -- accounting (pure) ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Write:
    """A write confirmed to the user: ``table`` and the ``key`` to find in it (see :func:`count_lost`)."""

    table: str
    key: tuple[Any, ...]


def count_lost(confirmed: Iterable[Write], found: dict[str, Iterable[tuple[Any, ...]]]) -> tuple[int, list[Write]]:
    """Confirmed writes missing from the store: each confirmed key must be matched by one row of its table.

    ``found``: table -> the keys of the rows read from the store (the same key twice needs two rows).
    Returns the count and the missing writes.
    """
    available = {table: Counter(tuple(row) for row in rows) for table, rows in found.items()}
    missing = []
    for write in confirmed:
        rows = available.setdefault(write.table, Counter())
        if rows[write.key] > 0:
            rows[write.key] -= 1
        else:
            missing.append(write)
    return len(missing), missing


@dataclass
class Step:
    kind: str
    seconds: float | None  # None: no end seen (timeout, disconnect)
    errors: list[str]


class Stats:
    """Steps, errors and confirmed writes of all sessions."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.actions: Counter[str] = Counter()
        self.error_kinds: Counter[str] = Counter()
        self.error_samples: dict[str, str] = {}
        self.writes: list[Write] = []
        self.unconfirmed_contacts = 0  # contact saves confirmed by the restarted run only (message not seen)
        self.logins = Counter()
        self.conflicts = 0  # stale saves refused with who and when (several strategists on one zone)
        self.phone_visits = 0  # visits confirmed by the phone API (each counted once, resent batches apart)

    def step(self, kind: str, seconds: float | None, errors: Sequence[tuple[str, str]] = ()) -> None:
        self.steps.append(Step(kind, seconds, [k for k, _ in errors]))
        for error_kind, sample in errors:
            self.error_kinds[error_kind] += 1
            self.error_samples.setdefault(error_kind, sample)

    def error(self, kind: str, sample: str) -> None:
        """An error not tied to one step's answer (a write left unconfirmed, a session that ended)."""
        self.error_kinds[kind] += 1
        self.error_samples.setdefault(kind, sample)

    def latencies(self, kinds: Iterable[str]) -> list[float]:
        wanted = set(kinds)
        return [s.seconds for s in self.steps if s.kind in wanted and s.seconds is not None]

    def p95(self, kinds: Iterable[str]) -> float | None:
        value = percentile(self.latencies(kinds), 95)
        return None if value is None else round(value, 3)

    @property
    def errors(self) -> int:
        return sum(self.error_kinds.values())

    def table(self) -> list[str]:
        kinds = list(dict.fromkeys(s.kind for s in self.steps))
        lines = [f"{'step':<16}{'count':>7}{'errors':>8}{'p50 s':>9}{'p95 s':>9}{'max s':>9}"]
        for kind in kinds:
            steps = [s for s in self.steps if s.kind == kind]
            times = [s.seconds for s in steps if s.seconds is not None]
            cells = [percentile(times, 50), percentile(times, 95), max(times) if times else None]
            lines.append(f"{kind:<16}{len(steps):>7}{sum(1 for s in steps if s.errors):>8}"
                         + "".join(f"{'—' if c is None else f'{c:.2f}':>9}" for c in cells))
        return lines


def error_kind(kind: str, text: str) -> tuple[str, str]:
    """(kind, sample) for the table: exceptions by type and the recognisable words of their message."""
    first = " ".join(str(text).split())[:300]
    if kind == "exception":
        for word in ("connection is busy", "TransactionException", "Conflict", "IOException", "lock"):
            if word.lower() in first.lower():
                return f"exception ({word})", first
    return kind, first


# -- the Streamlit client --------------------------------------------------------------------------------
@dataclass
class RunRecord:
    """What one rerun brought back, up to the ``script_finished`` that ends its chain."""

    started: float
    alerts: list[tuple[int, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    restarts: int = 0  # runs stopped for a rerun (st.rerun, switch_page)
    problems: list[tuple[str, str]] = field(default_factory=list)
    finished: float | None = None

    @property
    def seconds(self) -> float | None:
        return None if self.finished is None else self.finished - self.started

    def successes(self) -> list[str]:
        return [body for fmt, body in self.alerts if fmt == ALERT_SUCCESS]

    def errors(self) -> list[tuple[str, str]]:
        found = [error_kind("exception", text) for text in self.exceptions]
        found += [error_kind("error message", body) for fmt, body in self.alerts
                  if fmt == ALERT_ERROR and not STALE_SAVE.search(body)]
        return found + self.problems

    def conflicts(self) -> list[str]:
        """Saves refused because another user changed the zone or turf first: the designed answer, not an error."""
        return [body for fmt, body in self.alerts if fmt == ALERT_ERROR and STALE_SAVE.search(body)]


class SessionClosed(Exception):
    pass


COUNTED = "counted"  # a SessionClosed whose cause was already counted as the step's error


def http_login(base_url: str, user_name: str, password: str, timeout: float) -> str | None:
    """``GET /connexion`` then ``POST /connexion`` (form token, same Origin); the session cookie's token, or None."""
    import http.client
    from urllib.parse import urlencode

    parsed = urlparse(base_url)
    connection_class = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
    origin = f"{parsed.scheme}://{parsed.netloc}"

    def request(method: str, path: str, body: str | None, headers: dict[str, str]) -> http.client.HTTPResponse:
        conn = connection_class(parsed.netloc, timeout=timeout)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    conn = connection_class(parsed.netloc, timeout=timeout)
    conn.request("GET", f"{parsed.path.rstrip('/')}/connexion")
    page = conn.getresponse()
    html = page.read().decode("utf-8", "replace")
    conn.close()
    csrf_cookie = _set_cookie(page.headers.get_all("set-cookie") or [], "isoloir_csrf")
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    if csrf_cookie is None or match is None:
        raise ValueError(f"no login form at {base_url}/connexion (HTTP {page.status})")
    answer = request("POST", f"{parsed.path.rstrip('/')}/connexion",
                     urlencode({"csrf": match.group(1), "username": user_name, "password": password, "next": "/"}),
                     {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
                      "Cookie": f"isoloir_csrf={csrf_cookie}"})
    if answer.status != 303:
        return None
    return _set_cookie(answer.headers.get_all("set-cookie") or [], SESSION_COOKIE)


def _set_cookie(headers: Sequence[str], name: str) -> str | None:
    for raw in headers:
        if raw.startswith(f"{name}="):
            value = raw.split(";", 1)[0].split("=", 1)[1]
            return value or None
    return None


class StreamlitSession:
    """One browser tab, headless: the websocket, the page's element tree, reruns with widget states."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parsed = urlparse(base_url)
        self.base_url = base_url.rstrip("/")
        self.ws_url = f"{'wss' if parsed.scheme == 'https' else 'ws'}://{parsed.netloc}{parsed.path.rstrip('/')}/_stcore/stream"
        self.timeout = timeout
        self.tree = ElementTree()
        self.page_hash = ""
        self.query_string = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash (the navigation message)
        self.page = ""
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._record: RunRecord | None = None
        self._done: asyncio.Future[None] | None = None
        self.closed = False

    async def connect(self, session_token: str) -> None:
        """Open the websocket with the session cookie the login set (the server refuses it without)."""
        import websockets

        self._ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                            ping_interval=None, open_timeout=self.timeout, close_timeout=5,
                                            additional_headers={"Cookie": f"{SESSION_COOKIE}={session_token}"})
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        self.closed = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._on_message(msg)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a dropped connection ends the session: reported below
            pass
        self.closed = True
        if self._done is not None and not self._done.done():
            self._done.set_exception(SessionClosed("disconnected"))

    def _on_message(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        record = self._record
        if kind == "new_session":
            self.tree.start_run()
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
            self.page = next((p.url_pathname for p in msg.navigation.app_pages
                              if p.page_script_hash == self.page_hash), "")
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta":
            delta = msg.delta
            which = delta.WhichOneof("type")
            if which == "new_element":
                element_kind = delta.new_element.WhichOneof("type")
                proto = getattr(delta.new_element, element_kind)
                self.tree.apply(msg.metadata.delta_path, element_kind, proto)
                if record is not None:
                    if element_kind == "exception":
                        record.exceptions.append(f"{proto.type}: {proto.message}")
                    elif element_kind == "alert":
                        record.alerts.append((proto.format, proto.body))
            elif which == "add_block":
                self.tree.apply(msg.metadata.delta_path, "block", delta.add_block)
        elif kind == "page_not_found" and record is not None:
            record.problems.append(("page not found", msg.page_not_found.page_name))
        elif kind == "session_event" and record is not None:
            if msg.session_event.WhichOneof("type") == "script_compilation_exception":
                exc = msg.session_event.script_compilation_exception
                record.exceptions.append(f"{exc.type}: {exc.message}")
        elif kind == "script_finished":
            if msg.script_finished == FINISHED_EARLY_FOR_RERUN:
                if record is not None:
                    record.restarts += 1
            elif msg.script_finished in FINISHED:
                self.tree.finish_run()
                if record is not None:
                    record.finished = time.monotonic()
                if self._done is not None and not self._done.done():
                    self._done.set_result(None)

    async def rerun(self, states: Sequence[WidgetState] = (), *, page_hash: str | None = None,
                    page_name: str = "", first: bool = False) -> RunRecord:
        """Send one rerun and wait for its chain to finish (``record.finished`` None: timeout or disconnect)."""
        if self.closed:
            raise SessionClosed("disconnected")
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = "" if page_hash is not None and page_hash != self.page_hash else self.query_string
        client.page_script_hash = self.page_hash if page_hash is None else page_hash
        client.page_name = page_name
        client.widget_states.widgets.extend(states)
        info = client.context_info
        info.timezone, info.timezone_offset, info.locale = "Europe/Paris", -60, "fr-FR"
        info.url = f"{self.base_url}/{page_name}"
        info.is_embedded = False
        record = RunRecord(time.monotonic())
        self._record = record
        self._done = asyncio.get_running_loop().create_future()
        await self._ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(asyncio.shield(self._done), self.timeout)
        except asyncio.TimeoutError:
            record.problems.append(("timeout", f"no script_finished within {self.timeout:.0f} s"))
        except SessionClosed:
            record.problems.append(("disconnect", "websocket closed"))
        return record

    async def settle(self) -> bool:
        """After a timeout: wait once more for the pending run to end; False when it does not."""
        if self._done is None or self._done.done():
            return not self.closed
        try:
            await asyncio.wait_for(asyncio.shield(self._done), self.timeout)
            return True
        except (asyncio.TimeoutError, SessionClosed):
            return False

    def widget(self, label: str, **kwargs: Any) -> Node | None:
        return find_widget(self.tree.nodes(), label, **kwargs)


# -- the team ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    index: int
    role: str
    user_name: str
    password: str
    phone: bool = False  # a canvasser recording visits through the phone page's API (no websocket)


def team(sessions: int, *, demo_accounts: bool = False, phone_share: float = 0.0) -> list[Member]:
    """The roles of ``sessions`` sessions (60 % canvassers, 20 % strategists, 20 % viewers; at least one
    of each from 3 sessions on), one account each (or the demo accounts); ``phone_share`` of the canvassers
    (rounded, at least one when above 0) record visits through the phone API."""
    counts = {role: int(round(sessions * share)) for role, share in ROLE_MIX}
    if sessions >= 3:
        for role in ("strategist", "viewer"):
            counts[role] = max(1, counts[role])
    counts["canvasser"] = max(0, sessions - counts["strategist"] - counts["viewer"])
    roles = [role for role, _ in ROLE_MIX for _ in range(counts[role])][:sessions]
    members = []
    for index, role in enumerate(roles):
        if demo_accounts:
            name, password = DEMO_ACCOUNTS[role]
        else:
            name, password = f"bench-{role[0]}{index:03d}", BENCH_PASSWORD
        members.append(Member(index, role, name, password))
    canvassers = [m for m in members if m.role == "canvasser"]
    phones = 0 if phone_share <= 0 or not canvassers else max(1, int(round(len(canvassers) * min(phone_share, 1.0))))
    phone_ids = {m.index for m in canvassers[len(canvassers) - phones:]}
    return [Member(m.index, m.role, m.user_name, m.password, m.index in phone_ids) for m in members]


class Agent:
    """One session's user: logs in, goes to its page, acts, waits."""

    def __init__(self, member: Member, url: str, stats: Stats, rng: random.Random, timeout: float,
                 run_id: str = "") -> None:
        self.member = member
        self.tag = f"{run_id} s{member.index:03d}".strip()  # in every name this session writes: unique per run
        self.session = StreamlitSession(url, timeout)
        self.stats = stats
        self.rng = rng
        self.count = 0
        self.own_zone: str | None = None  # a zone this strategist created (its current name)
        self.token: str | None = None  # the session cookie (phone canvassers call the API with it)
        self.doors: list[tuple[int, str, str | None]] = []  # a phone canvasser's doors: (turf, address, household)
        self.seq = 0
        self.last_errors: list[tuple[str, str]] = []  # of the last step: what broke the page, if anything

    # -- steps
    async def step(self, kind: str, states: Sequence[WidgetState] = (), **kwargs: Any) -> RunRecord:
        record = await self.session.rerun(states, **kwargs)
        self.last_errors = record.errors()
        self.stats.step(kind, record.seconds, self.last_errors)
        self.stats.conflicts += len(record.conflicts())
        if record.finished is None and not self.session.closed and not await self.session.settle():
            raise SessionClosed(COUNTED)  # the timeout is the step's error; the session ends
        if self.session.closed:
            raise SessionClosed(COUNTED if record.finished is None else "disconnected")
        return record

    def need(self, label: str, **kwargs: Any) -> Node:
        node = self.session.widget(label, **kwargs)
        if node is None:
            raise LookupError(label)
        return node

    def confirm(self, kind: str, record: RunRecord, pattern: re.Pattern[str] | str) -> re.Match[str] | bool | None:
        """The success message of a write (a regex match, or True for a plain prefix); an error when absent."""
        for body in record.successes():
            if isinstance(pattern, str):
                if body.startswith(pattern):
                    return True
            elif (match := pattern.match(body)) is not None:
                return match
        if record.finished is not None and not record.errors() and not record.conflicts():
            self.stats.error("no confirmation", f"{kind}: no success message and no error")
        return None

    # -- session
    async def run(self, deadline: float) -> None:
        try:
            for attempt in range(LOGIN_ATTEMPTS):
                if attempt:  # as a user would: reload the page (a new browser session) and try again
                    await self.session.close()
                    self.session = StreamlitSession(self.session.base_url, self.session.timeout)
                    await asyncio.sleep(self.rng.uniform(2, 5))
                token = await self.login()
                if token is not None and self.member.phone:
                    self.token = token
                    await self.phone_session(deadline)
                    return
                if token is not None:
                    await self.session.connect(token)
                    await self.step("open", page_name="")
                    break
                if time.monotonic() >= deadline:
                    return
            else:
                self.stats.logins["gave up"] += 1
                return
            page = LANDING[self.member.role]
            if self.session.page != page:
                if page not in self.session.pages:
                    self.stats.error("no page", f"{page} not in the navigation")
                    return
                await self.step("nav", page_hash=self.session.pages[page])
            while time.monotonic() < deadline and not self.session.closed:
                await self.act()
                pause = self.rng.uniform(5, 25)
                await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        except SessionClosed as closed:
            if str(closed) != COUNTED:
                self.stats.error("disconnect", str(closed))
        except (OSError, asyncio.TimeoutError) as error:
            self.stats.error("connection failed", repr(error))
        finally:
            await self.session.close()

    # -- phone canvassers (/porte-a-porte/api)
    def _api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One call to the phone page's API with the session cookie (same Origin, JSON), as the page's script does."""
        import http.client

        parsed = urlparse(self.session.base_url)
        conn = (http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection)(
            parsed.netloc, timeout=self.session.timeout)
        headers = {"Cookie": f"{SESSION_COOKIE}={self.token}", "Accept": "application/json",
                   "Origin": f"{parsed.scheme}://{parsed.netloc}"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, f"{parsed.path.rstrip('/')}{PHONE_API}{path}", body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text

    async def phone_session(self, deadline: float) -> None:
        """Load the turf as the phone page does, then record visits until ``deadline``."""
        started = time.monotonic()
        status, listing = await asyncio.to_thread(self._api, "GET", "/secteurs")
        turfs = listing.get("turfs", []) if status == 200 and isinstance(listing, dict) else []
        if not turfs:
            self.stats.step("phone_turf", None)
            self.stats.error("phone api", f"turf list: HTTP {status}, {len(turfs)} turf(s)")
            return
        turf_id = int(turfs[0]["turf_id"])
        status, detail = await asyncio.to_thread(self._api, "GET", f"/secteurs/{turf_id}")
        if status != 200 or not isinstance(detail, dict):
            self.stats.step("phone_turf", None)
            self.stats.error("phone api", f"turf {turf_id}: HTTP {status}")
            return
        self.stats.step("phone_turf", time.monotonic() - started)
        for door in detail.get("doors", []):
            households = [h["household_id"] for h in door.get("households", [])] or [None]
            self.doors += [(turf_id, str(door["address_id"]), h) for h in households]
        while time.monotonic() < deadline and self.doors:
            self.stats.actions["phone_visit"] += 1
            await self.phone_visits()
            await asyncio.sleep(max(0.0, min(self.rng.uniform(5, 25), deadline - time.monotonic())))

    async def phone_visits(self) -> None:
        import uuid

        batch = []
        for _ in range(self.rng.randint(1, 5)):
            turf_id, address, household = self.rng.choice(self.doors)
            self.seq += 1
            batch.append({"visit_id": str(uuid.uuid4()), "turf_id": turf_id, "address_id": address,
                          "household_id": household, "outcome": self.rng.choice(PHONE_OUTCOMES),
                          "recorded_at": int(time.time() * 1000), "seq": self.seq})
        for attempt in range(2 if self.rng.random() < 0.1 else 1):  # once in ten: the same batch sent again
            started = time.monotonic()
            try:
                status, answer = await asyncio.to_thread(self._api, "POST", "/envoi", {"visits": batch})
            except (OSError, TimeoutError) as error:
                self.stats.step("phone_visit", None)
                self.stats.error("phone api", repr(error))
                return
            held = set(answer.get("held", [])) if status == 200 and isinstance(answer, dict) else set()
            if status != 200 or held != {v["visit_id"] for v in batch}:
                self.stats.step("phone_visit", None)
                self.stats.error("phone api", f"envoi: HTTP {status}, {str(answer)[:120]}")
                return
            self.stats.step("phone_visit", time.monotonic() - started)
            if attempt == 0:
                self.stats.writes += [Write("visit", (v["visit_id"],)) for v in batch]
                self.stats.phone_visits += len(batch)

    async def login(self) -> str | None:
        """Log in as a browser does: ``GET /connexion`` (the form's token), ``POST /connexion``; the session token."""
        started = time.monotonic()
        try:
            token = await asyncio.to_thread(http_login, self.session.base_url, self.member.user_name,
                                            self.member.password, self.session.timeout)
        except (OSError, ValueError) as error:
            self.stats.error("login failed", repr(error))
            token = None
        self.stats.step("login", time.monotonic() - started if token else None)
        self.stats.logins["ok" if token else "failed"] += 1
        return token

    async def reload(self) -> None:
        """The page is broken (an exception cut it short): reload it, as a user would."""
        await self.step("reload", page_hash=self.session.pages.get(LANDING[self.member.role], self.session.page_hash))

    async def act(self) -> None:
        role = self.member.role
        if role == "canvasser":
            action = self.rng.choices(["contact", "progress"], [0.7, 0.3])[0]
        elif role == "strategist":
            action = self.rng.choices(["zone_rename", "zone_create", "zone_edit"], [0.4, 0.3, 0.3])[0]
        else:
            action = self.rng.choice(["map_election", "map_measure"])
        self.stats.actions[action] += 1
        self.count += 1
        try:
            await getattr(self, action)()
        except LookupError as missing:  # the page did not show what this action needs
            if not self.last_errors:  # else the exception that broke the page is the error
                self.stats.error("widget not found", f"{action}: {missing}")
            await self.reload()

    # -- canvassers (/terrain)
    async def contact(self) -> None:
        name = f"{CONTACT_PREFIX} {self.tag} n{self.count}"
        outcome = self.need(CONTACT_OUTCOME, kind="radio")
        states = [widget_state(self.need(CONTACT_NAME, kind="text_input"), name),
                  widget_state(outcome, self.rng.choice(list(outcome.proto.options))),
                  widget_state(self.need(CONTACT_SUBMIT, kind="button"))]
        record = await self.step("contact", states)
        seen = any(body.startswith(CONTACT_SAVED) for body in record.successes())
        # the page shows its message then restarts at once (st.rerun): the message may not reach the browser
        if seen or (record.restarts and record.finished is not None and not record.errors()):
            self.stats.unconfirmed_contacts += 0 if seen else 1
            self.stats.writes.append(Write("contact", (name, self.member.user_name)))
        elif record.finished is not None and not record.errors():
            self.stats.error("no confirmation", "contact: neither message nor restart")

    async def progress(self) -> None:
        field_ = self.need(PROGRESS_INPUT, kind="number_input", prefix=True)
        current = int(field_.proto.value if field_.proto.HasField("value") else field_.proto.default)
        target = min(int(field_.proto.max) if field_.proto.has_max else current + 5, current + self.rng.randint(1, 5))
        states = [widget_state(field_, target), widget_state(self.need(PROGRESS_SUBMIT, kind="button"))]
        record = await self.step("progress", states)
        match = self.confirm("progress", record, PROGRESS_SAVED)
        if match:
            done = int(re.sub(r"\D", "", match["done"]))
            self.stats.writes.append(Write("turf_progress", (self.member.user_name, done)))

    # -- strategists (/zones)
    def _zone_target(self) -> str:
        if self.own_zone is not None and self.rng.random() < 0.5:
            return self.own_zone
        return self.rng.choice(SHARED_ZONES)

    async def _choose_zone(self, prefix: str) -> None:
        chooser = self.need(ZONE_CHOSEN, kind="selectbox")
        option = next((o for o in chooser.proto.options if o.startswith(prefix)), None)
        if option is None:
            raise LookupError(f"zone {prefix!r}")
        if current_option(chooser) != option:
            await self.step("zone_select", [widget_state(chooser, option)])

    async def zone_rename(self) -> None:
        target = self._zone_target()
        await self._choose_zone(target)
        base = target if target in SHARED_ZONES else f"Bench {self.tag}"
        name = f"{base} r{self.tag}.{self.count}"
        states = [widget_state(self.need(RENAME_INPUT, kind="text_input"), name),
                  widget_state(self.need(RENAME_SUBMIT, kind="button"))]
        record = await self.step("zone_rename", states)
        match = self.confirm("zone_rename", record, ZONE_RENAMED)
        if match:
            self.stats.writes.append(Write("zone_version", ("rename", match["name"], self.member.user_name)))
            if target not in SHARED_ZONES:
                self.own_zone = base

    async def _add_iris(self) -> None:
        iris = self.need(IRIS_SELECT, kind="selectbox")
        states = [widget_state(iris, self.rng.choice(list(iris.proto.options))), widget_state(self.need(IRIS_SUBMIT, kind="button"))]
        await self.step("zone_add_iris", states)

    async def zone_create(self) -> None:
        cancel = self.session.widget(EDIT_CANCEL, kind="button")
        if cancel is not None:  # an outline edit left open (a step failed): the save form is hidden until cancelled
            await self.step("zone_cancel", [widget_state(cancel)])
        await self._add_iris()
        name = f"Bench {self.tag} n{self.count}"
        states = [widget_state(self.need(ZONE_NAME_INPUT, kind="text_input"), name),
                  widget_state(self.need(ZONE_SAVE_SUBMIT, kind="button"))]
        record = await self.step("zone_create", states)
        match = self.confirm("zone_create", record, ZONE_SAVED)
        if match:
            self.stats.writes.append(Write("zone_version", ("create", match["name"], self.member.user_name)))
            self.own_zone = f"Bench {self.tag}"

    async def zone_edit(self) -> None:
        target = self._zone_target()
        await self._choose_zone(target)
        await self.step("zone_load", [widget_state(self.need(EDIT_BUTTON, kind="button"))])
        await self._add_iris()
        record = await self.step("zone_edit", [widget_state(self.need(EDIT_SAVE, kind="button"))])
        match = self.confirm("zone_edit", record, ZONE_EDITED)
        if match:
            self.stats.writes.append(Write("zone_version_n", (match["name"], int(match["version"]), self.member.user_name)))

    # -- viewers (/carte)
    async def _map(self, kind: str, label: str) -> None:
        chooser = self.need(label, kind="selectbox")
        options = [o for o in chooser.proto.options if o != current_option(chooser)]
        if not options:
            raise LookupError(f"{label}: one option only")
        await self.step(kind, [widget_state(chooser, self.rng.choice(options))])

    async def map_election(self) -> None:
        await self._map("map_election", MAP_ELECTION)

    async def map_measure(self) -> None:
        await self._map("map_measure", MAP_MEASURE)


# -- the campaign store, read with plain SQL (the only part that knows its tables) -----------------------
STORE_QUERIES = {
    # names are stored encrypted (dashboard/store/crypto.py): opened and filtered by open_store_rows()
    "contact": "SELECT contact_id, full_name, created_by FROM contact",
    "turf_progress": "SELECT recorded_by, doors_done FROM turf_progress",
    "zone_version": "SELECT op, name, created_by FROM zone_version",
    "zone_version_n": "SELECT name, version, created_by FROM zone_version",
    "visit": "SELECT visit_id FROM visit",
}


def open_store_rows(table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows of ``STORE_QUERIES[table]`` as compared: contacts opened (this process's key) and kept when written by a run."""
    if table != "contact":
        return rows
    from dashboard.store import crypto

    opened = crypto.open_rows("contact", rows, ["contact_id", "full_name", "created_by"])
    return [(name, by) for _, name, by in opened if str(name).startswith(f"{CONTACT_PREFIX} ")]


def read_store_rows(campaign_url: str | None, campaign_file: Path | None) -> dict[str, list[tuple[Any, ...]]]:
    """The rows the lost-write check compares with: a PostgreSQL URL (psycopg), else the DuckDB file."""
    if campaign_url and not is_postgres_url(campaign_url):
        campaign_file = Path(campaign_url.removeprefix("duckdb://"))  # a DuckDB file named by the URL
    if is_postgres_url(campaign_url):
        try:
            import psycopg  # only for a PostgreSQL --campaign-url
        except ImportError:
            raise RuntimeError("reading a PostgreSQL store needs psycopg: pip install 'psycopg[binary]'") from None

        with psycopg.connect(campaign_url) as con:
            return {table: open_store_rows(table, [tuple(r) for r in con.execute(sql).fetchall()])
                    for table, sql in STORE_QUERIES.items()}
    import duckdb

    if campaign_file is None or not campaign_file.exists():
        raise FileNotFoundError(f"no campaign store at {campaign_file}")
    deadline = time.monotonic() + 30
    while True:
        try:
            con = duckdb.connect(str(campaign_file), read_only=True)
            break
        except duckdb.IOException:  # the running app holds the file for a moment
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        return {table: open_store_rows(table, [tuple(r) for r in con.execute(sql).fetchall()])
                    for table, sql in STORE_QUERIES.items()}
    finally:
        con.close()


# -- the server --------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_data(source: Path | None, work: Path, members: Sequence[Member], campaign_url: str | None = None) -> Path:
    """A fresh copy of the demo data dir (built here when no ``source``), with one account per session and a
    turf for each canvasser (store API, as dashboard/demo/build.py does)."""
    data = work / "data"
    if source is not None:
        shutil.copytree(source, data, ignore=shutil.ignore_patterns("demo-sources", ".build-*"))
    else:
        from dashboard.demo.build import build_demo

        print("building the city demo…", flush=True)
        build_demo(data)
    accounts(data, members, campaign_url)
    return data


def accounts(data: Path, members: Sequence[Member], campaign_url: str | None = None) -> None:
    """Store API: the session accounts, and each canvasser on one demo turf (round robin) with a due date.

    On PostgreSQL (``campaign_url``) the store is first given what the demo build writes in its DuckDB
    file: the demo accounts (an admin among them), zones, turfs and slides."""
    from datetime import date, timedelta

    from dashboard.demo.build import seed_demo_store
    from dashboard.store import turfs, users
    from dashboard.store.campaign import CAMPAIGN_FILE, CampaignStore

    postgres = is_postgres_url(campaign_url)
    store = CampaignStore(campaign_url if postgres else data / CAMPAIGN_FILE)
    if postgres and not users.has_admin(store):
        seed_demo_store(store, data)
    existing = {u.user_name for u in users.list_users(store, by="cli")}
    started = time.monotonic()
    for member in members:
        if member.user_name not in existing:
            users.add_user(store, member.user_name, member.password, member.role, by="cli",
                           display_name=f"Charge {member.role} {member.index}")
    all_turfs = sorted(turfs.turfs_for(store, by="cli"), key=lambda t: t.turf_id)
    canvassers = [m for m in members if m.role == "canvasser"]
    if canvassers and not all_turfs:
        raise SystemExit("the demo has no turfs: canvassers would have no zone")
    due = date.today() + timedelta(days=14)
    for number, member in enumerate(canvassers):
        turfs.assign_turf(store, all_turfs[number % len(all_turfs)].turf_id, member.user_name, by="cli", due_date=due)
    print(f"{len(members)} accounts ready ({time.monotonic() - started:.1f} s)", flush=True)


def start_server(data: Path, campaign_url: str | None, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``isoloir run`` on a free port, in its own process group (it starts Streamlit as a child)."""
    port = free_port()
    env = {**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    if campaign_url:
        env["ISOLOIR_CAMPAIGN_URL"] = campaign_url
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "run", "--data-dir", str(data), "--port", str(port), "--headless"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"the server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """The whole process group: ``isoloir run`` leaves its Streamlit child alive on SIGTERM."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the Streamlit child, if still there
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def tree_rss_mb(root_pid: int) -> float:
    """RSS of a process and all its descendants (/proc), in MB."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children[ppid].append(int(entry))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


def listening_pid(url: str) -> int | None:
    """The pid listening on the URL's port on this machine (for --url), from /proc/net/tcp*."""
    port = urlparse(url).port
    if port is None:
        return None
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            for line in list(f)[1:]:
                cells = line.split()
                if cells[3] == "0A" and int(cells[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(cells[9])
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{entry}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(f"/proc/{entry}/fd/{fd}")
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        return int(entry)
    return None


class RssSampler(threading.Thread):
    def __init__(self, pid: int | None, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = 0.0
        self._stop_event = threading.Event()

    def sample(self) -> float:
        if self.pid is None:
            return 0.0
        value = tree_rss_mb(self.pid)
        self.peak = max(self.peak, value)
        return value

    def run(self) -> None:
        while not self._stop_event.wait(self.every):
            self.sample()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


# -- the run -----------------------------------------------------------------------------------------------
async def drive(url: str, members: Sequence[Member], seconds: float, seed: int, timeout: float, stats: Stats) -> None:
    started = time.monotonic()
    deadline = started + seconds
    ramp = min(10.0, seconds / 6)  # logins spread over the first seconds, as a team arrives
    run_id = f"{random.Random().getrandbits(16):04x}"  # names written by an earlier run (a reused store) never match
    agents = [Agent(m, url, stats, random.Random(seed * 1000 + m.index), timeout, run_id) for m in members]

    async def one(agent: Agent, delay: float) -> None:
        await asyncio.sleep(delay)
        await agent.run(deadline)

    tasks = [asyncio.create_task(one(a, ramp * i / max(1, len(agents)))) for i, a in enumerate(agents)]
    done = asyncio.ensure_future(asyncio.gather(*tasks, return_exceptions=True))
    while not done.done():
        await asyncio.wait([done], timeout=10)
        if done.done():
            break
        elapsed = time.monotonic() - started
        open_sessions = sum(1 for a in agents if a.session._ws is not None and not a.session.closed)
        print(f"  t={elapsed:5.0f} s  sessions open {open_sessions:3d}  steps {len(stats.steps):5d}  "
              f"errors {stats.errors:4d}  load {os.getloadavg()[0]:.2f}", flush=True)
    for result in done.result():
        if isinstance(result, BaseException):
            stats.error("client crash", repr(result))


def backend_of(campaign_url: str | None) -> str:
    return "postgresql" if is_postgres_url(campaign_url) else "duckdb"


def report(stats: Stats, *, backend: str, sessions: int, seconds: float, rss: tuple[float, float, float],
           lost: int | None, lost_samples: Sequence[Write], load: tuple[float, float],
           tracebacks: int | None = None, doubled: int | None = None) -> dict[str, Any]:
    print()
    print(f"backend {backend} · {sessions} sessions · {seconds:.0f} s · load average {load[0]:.2f} before, {load[1]:.2f} after")
    print(f"logins: {stats.logins['ok']} ok, {stats.logins['failed']} failed attempts, "
          f"{stats.logins['gave up']} session(s) never logged in after {LOGIN_ATTEMPTS} attempts")
    print("actions: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.actions.items())) + f" (total {sum(stats.actions.values())})")
    print()
    print("\n".join(stats.table()))
    print()
    print(f"errors: {stats.errors}")
    print(f"stale saves refused with who and when (designed answer, not errors): {stats.conflicts}")
    for kind, count in stats.error_kinds.most_common():
        print(f"  {count:5d}  {kind}  — e.g. {stats.error_samples[kind][:160]}")
    confirmed = len(stats.writes)
    print(f"writes confirmed: {confirmed} (contacts confirmed by the restarted run only, message not seen: "
          f"{stats.unconfirmed_contacts})")
    print(f"lost writes: {'not checked' if lost is None else lost}")
    for write in lost_samples[:10]:
        print(f"  missing {write.table} {write.key}")
    if tracebacks is not None:
        print(f"tracebacks in the server's log: {tracebacks}")
    if stats.phone_visits:
        print(f"phone visits confirmed: {stats.phone_visits} (doubled in the store: {doubled})")
    print(f"server RSS: {rss[0]:.0f} MB before, {rss[1]:.0f} MB peak, {rss[2]:.0f} MB after")
    figures: dict[str, Any] = {
        "backend": backend,
        "sessions": sessions,
        "actions": sum(stats.actions.values()),
        "errors": stats.errors,
        "lost_writes": lost,
        "p95_save_s": stats.p95(SAVE_KINDS),
        "p95_map_s": stats.p95(MAP_KINDS),
        "rss_peak_mb": round(rss[1], 1),
        "conflicts_refused": stats.conflicts,
        "seconds": round(seconds, 1),
        "writes_confirmed": confirmed,
        "logins_ok": stats.logins["ok"],
        "logins_failed": stats.logins["failed"],
        "sessions_never_logged_in": stats.logins["gave up"],
        "server_tracebacks": tracebacks,
        "rss_before_mb": round(rss[0], 1),
        "rss_after_mb": round(rss[2], 1),
        "load_before": round(load[0], 2),
        "load_after": round(load[1], 2),
        "p95_progress_s": stats.p95(["progress"]),
        "p95_phone_visit_s": stats.p95(["phone_visit"]),
        "phone_visits_sent": stats.phone_visits,
        "phone_visits_doubled": doubled,
        "p95_zone_s": stats.p95(["zone_rename", "zone_create", "zone_edit"]),
        "p95_login_s": stats.p95(["login"]),
        "actions_by_type": dict(sorted(stats.actions.items())),
        "error_kinds": dict(stats.error_kinds.most_common()),
    }
    print(json.dumps(figures, ensure_ascii=False))
    return figures


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--campaign-url", help="campaign store URL given to the server (ISOLOIR_CAMPAIGN_URL)")
    parser.add_argument("--data-dir", type=Path, help="a demo data dir to copy (default: build the city demo); "
                                                      "with --url: the server's own, for the lost-write check")
    parser.add_argument("--url", help="a running server (its demo accounts are shared by the sessions)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--server-log", type=Path, help="keep the server's log there (when it starts its own)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for one step (default 120)")
    parser.add_argument("--phone-share", type=float, default=0.0,
                        help="share of the canvassers recording visits through the phone API (0 to 1, default 0)")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 1000 or not 0 < args.seconds <= 3600:
        parser.error("--sessions 1..1000, --seconds up to 3600")
    if args.url and urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be a server on this machine (127.0.0.1)")
    if not 0 <= args.phone_share <= 1:
        parser.error("--phone-share 0..1")
    members = team(args.sessions, demo_accounts=bool(args.url), phone_share=args.phone_share)
    backend = backend_of(args.campaign_url)
    stats = Stats()
    process = None
    work = Path(tempfile.mkdtemp(prefix="isoloir-team-load-"))
    campaign_file: Path | None = None
    try:
        if args.url:
            url = args.url.rstrip("/")
            pid = listening_pid(url)
            if args.data_dir:
                campaign_file = args.data_dir / "campaign.duckdb"
        else:
            if args.campaign_url:  # the store API of the setup (demo, accounts, turfs) writes where the server reads
                os.environ["ISOLOIR_CAMPAIGN_URL"] = args.campaign_url
            data = prepare_data(args.data_dir, work, members, args.campaign_url)
            campaign_file = data / "campaign.duckdb"
            process, url = start_server(data, args.campaign_url, work / "server.log")
            pid = process.pid
            print(f"server {url} (pid {pid}, log {work / 'server.log'})", flush=True)
        sampler = RssSampler(pid)
        time.sleep(1.0)
        rss_before = sampler.sample()
        load_before = os.getloadavg()[0]
        sampler.start()
        roles = Counter(m.role for m in members)
        print(f"{args.sessions} sessions ({', '.join(f'{v} {k}' for k, v in roles.items())}) for {args.seconds:.0f} s", flush=True)
        started = time.monotonic()
        asyncio.run(drive(url, members, args.seconds, args.seed, args.timeout, stats))
        elapsed = time.monotonic() - started
        time.sleep(3.0)  # the sessions' teardown
        sampler.stop()
        rss_after = sampler.sample()
        load_after = os.getloadavg()[0]
        tracebacks = None
        if process is not None:
            stop_server(process)
            process = None
            log_text = (work / "server.log").read_text(errors="replace")
            tracebacks = log_text.count("Traceback (most recent call last)")
            if args.server_log:
                shutil.copyfile(work / "server.log", args.server_log)
        lost: int | None
        missing: list[Write] = []
        doubled: int | None = None
        try:
            rows = read_store_rows(args.campaign_url, campaign_file)
            lost, missing = count_lost(stats.writes, rows)
            sent = {w.key for w in stats.writes if w.table == "visit"}
            doubled = sum(n - 1 for key, n in Counter(tuple(r) for r in rows.get("visit", [])).items() if key in sent)
        except Exception as error:  # noqa: BLE001 - the check is reported as not done, the run stands
            print(f"lost-write check not done: {error!r}", flush=True)
            lost = None
        return report(stats, backend=backend, sessions=args.sessions, seconds=elapsed,
                      rss=(rss_before, sampler.peak, rss_after), lost=lost, lost_samples=missing,
                      load=(load_before, load_after), tracebacks=tracebacks, doubled=doubled)
    finally:
        if process is not None:
            stop_server(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
