"""``isoloir run``: listens on 127.0.0.1 unless told, refuses a busy port in French, and never
leaves its Streamlit server running after it is stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard import cli
from dashboard.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_busy_port_is_refused_in_french_before_starting_streamlit(demo_dir: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli.subprocess, "Popen", lambda *a, **k: pytest.fail("Streamlit started"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["run", "--data-dir", str(demo_dir), "--port", str(port), "--headless"]) == 1
    err = capsys.readouterr().err
    assert f"Erreur : Le port {port} est déjà utilisé" in err and "Traceback" not in err


def test_run_listens_on_localhost_by_default_and_on_the_host_asked(demo_dir: Path, monkeypatch) -> None:
    commands: list[list[str]] = []
    monkeypatch.setattr(cli, "serve", lambda command, env, cwd: commands.append(command) or 0)
    monkeypatch.delenv("ISOLOIR_HOST", raising=False)
    port = str(_free_port())
    assert main(["run", "--data-dir", str(demo_dir), "--port", port, "--headless"]) == 0
    monkeypatch.setenv("ISOLOIR_HOST", "0.0.0.0")
    assert main(["run", "--data-dir", str(demo_dir), "--port", port, "--headless"]) == 0
    assert main(["run", "--data-dir", str(demo_dir), "--port", port, "--headless", "--host", "127.0.0.1"]) == 0
    hosts = [c[c.index("--server.address") + 1] for c in commands]
    assert hosts == ["127.0.0.1", "0.0.0.0", "127.0.0.1"]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopping_isoloir_run_stops_its_server(demo_dir: Path, stop: signal.Signals) -> None:
    """A signal to `isoloir run` alone (not its process group) ends the server: the port is free
    within seconds and no child remains (SIGKILL: the child gets SIGTERM from the kernel)."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "run", "--data-dir", str(demo_dir), "--port", str(port), "--headless"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline and process.poll() is None, "the app did not start"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        children = _children(process.pid)
        assert children, "isoloir run has no server child"
        started = time.monotonic()
        process.send_signal(stop)
        process.wait(timeout=20)
        while (not _port_free(port) or any(_alive(c) for c in children)) and time.monotonic() - started < 10:
            time.sleep(0.1)
        assert _port_free(port), "the port is still held"
        assert not any(_alive(c) for c in children), "a server child survived"
        assert time.monotonic() - started < 10
        if stop != signal.SIGKILL:
            assert process.returncode in (0, 128 + stop, -stop), process.returncode
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
