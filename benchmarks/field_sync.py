"""What recording a visit from the phone costs the server, and how long the phone waits for the answer.

A fresh DuckDB campaign store (or PostgreSQL with ``--campaign-url``) with one canvasser and one turf of
``--doors`` addresses. Two measures:

1. **Server CPU per visit**: the phone API's work for ``POST /porte-a-porte/api/envoi`` (JSON parsed,
   session user's rights re-read, visits inserted idempotently, audit entry: ``web.field.send``), timed
   with the process CPU clock, for batches of 1 visit (a tap online) and of 50 (the outbox after a
   walk without signal), plus a batch sent again (every id already held).
2. **Round trip on localhost**: the same routes served by uvicorn on 127.0.0.1 (the session gate is not
   mounted: the route checks the session itself), one visit per request over HTTP with the session
   cookie and the page's ``Origin``: wall time from request to parsed answer (median, 95th centile).

The last line is JSON: ``cpu_ms_per_visit_single``, ``cpu_ms_per_visit_batch50``, ``cpu_ms_per_visit_resent``,
``round_trip_ms_median``, ``round_trip_ms_p95``, ``requests``, ``backend``.

    python benchmarks/field_sync.py [--visits 200] [--requests 100] [--campaign-url postgresql://…]
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.access import data_key  # noqa: E402
from dashboard.config import Settings  # noqa: E402
from dashboard.store import crypto, sessions, turfs, users, zones  # noqa: E402
from dashboard.store.turfs import TurfInput  # noqa: E402
from dashboard.web import field  # noqa: E402
from dashboard.web.auth import Site  # noqa: E402

T0 = datetime(2026, 3, 1, 9, 0, 0)


def _setup(data_dir: Path, campaign_url: str | None, doors: int) -> tuple[Site, users.User, int, list[str], str]:
    env = {"ISOLOIR_CAMPAIGN_URL": campaign_url} if campaign_url else {}
    site = Site(Settings.load(env=env, data_dir=data_dir))
    store = site.store
    name = f"bench{uuid.uuid4().hex[:8]}"
    users.add_user(store, name, "un-mot-de-passe-de-banc-2026", "canvasser", by="cli")
    user = users.get_user(store, name)
    assert user is not None
    addresses = [f"banc{i}-{name}@45999_1" for i in range(doors)]
    zone = zones.create_zone(store, f"Banc {name}", ["45999_1"], by="cli", now=T0, address_ids=addresses)
    turf = turfs.save_turfs(store, zone.zone_id, [TurfInput(1, addresses, doors)], by="cli", now=T0)[0]
    turfs.assign_turf(store, turf.turf_id, name, by="cli", now=T0)
    token = sessions.create(store, user, hours=1)
    return site, user, turf.turf_id, addresses, token


def _visit(turf_id: int, address: str, seq: int) -> dict[str, object]:
    return {"visit_id": str(uuid.uuid4()), "turf_id": turf_id, "address_id": address, "outcome": "absent",
            "recorded_at": int(time.time() * 1000), "seq": seq}


def _cpu_per_visit(site: Site, user: users.User, bodies: list[dict[str, object]]) -> float:
    start = time.process_time()
    count = 0
    for body in bodies:
        answer = field.send(site, user, body)
        count += len(answer["held"])
    return 1000 * (time.process_time() - start) / max(count, 1)


def _serve(site: Site) -> tuple[str, object, threading.Thread]:
    import uvicorn
    from starlette.applications import Starlette

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=field.routes(site)), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"127.0.0.1:{port}", server, thread


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200, help="visits per CPU measure (default 200)")
    parser.add_argument("--requests", type=int, default=100, help="HTTP round trips (default 100)")
    parser.add_argument("--doors", type=int, default=40)
    parser.add_argument("--campaign-url", default=None, help="a PostgreSQL URL (default: a DuckDB file)")
    args = parser.parse_args(argv)
    crypto.use_keyring(data_key.Keyring.of([data_key.parse_key(data_key.new_key(), "benchmark")]))  # throwaway store, key
    try:
        return _measure(args)
    finally:
        crypto.use_keyring(None)


def _measure(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        site, user, turf_id, addresses, token = _setup(Path(tmp), args.campaign_url, args.doors)
        seq = iter(range(1, 10**9))

        def batch(size: int) -> dict[str, object]:
            return {"visits": [_visit(turf_id, addresses[next(seq) % len(addresses)], next(seq)) for _ in range(size)]}

        field.send(site, user, batch(1))  # warm up (statements prepared, keyring read)
        singles = [batch(1) for _ in range(args.visits)]
        cpu_single = _cpu_per_visit(site, user, singles)
        fifties = [batch(50) for _ in range(max(args.visits // 50, 1))]
        cpu_batch = _cpu_per_visit(site, user, fifties)
        cpu_resent = _cpu_per_visit(site, user, fifties)  # the same ids again: nothing inserted

        host, server, thread = _serve(site)
        headers = {"Cookie": f"isoloir_session={token}", "Origin": f"http://{host}", "Host": host,
                   "Content-Type": "application/json", "Accept": "application/json"}
        times = []
        conn = http.client.HTTPConnection(host, timeout=30)
        for _ in range(args.requests):
            body = json.dumps(batch(1))
            start = time.perf_counter()
            conn.request("POST", "/porte-a-porte/api/envoi", body=body, headers=headers)
            response = conn.getresponse()
            answer = json.loads(response.read())
            times.append(1000 * (time.perf_counter() - start))
            assert response.status == 200 and len(answer["held"]) == 1, answer
        conn.close()
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        site.store.close()
    times.sort()
    figures: dict[str, object] = {
        "cpu_ms_per_visit_single": round(cpu_single, 2),
        "cpu_ms_per_visit_batch50": round(cpu_batch, 2),
        "cpu_ms_per_visit_resent": round(cpu_resent, 2),
        "round_trip_ms_median": round(statistics.median(times), 1),
        "round_trip_ms_p95": round(times[int(0.95 * (len(times) - 1))], 1),
        "requests": len(times),
        "backend": "postgresql" if args.campaign_url else "duckdb",
    }
    print(f"CPU serveur par passage : {figures['cpu_ms_per_visit_single']} ms (un par envoi), "
          f"{figures['cpu_ms_per_visit_batch50']} ms (par 50), {figures['cpu_ms_per_visit_resent']} ms (renvoyés)")
    print(f"Aller-retour localhost : médiane {figures['round_trip_ms_median']} ms, 95 % {figures['round_trip_ms_p95']} ms")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
