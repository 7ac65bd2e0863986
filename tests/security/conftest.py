"""The real server (``isoloir run``) for the security tests, and a small HTTP client that shows every answer as is.

The server trusts 127.0.0.1 as a reverse proxy (``ISOLOIR_TRUSTED_PROXIES``), so a test plays clients
at different addresses with ``X-Forwarded-For``.
"""

from __future__ import annotations

import http.client
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.conftest import start_app, stop_app


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def cookies(self) -> list[str]:
        return [v for k, v in self.headers if k.lower() == "set-cookie"]

    def cookie(self, name: str) -> str | None:
        for raw in self.cookies():
            if raw.startswith(f"{name}="):
                return raw.split(";", 1)[0].split("=", 1)[1]
        return None


class Client:
    """One browser-like client: keeps the cookies the server sets, sends ``X-Forwarded-For: address``."""

    def __init__(self, url: str, address: str = "192.0.2.10") -> None:
        self.url = url
        self.host = urlsplit(url).netloc
        self.address = address
        self.jar: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None,
                keep: bool = True) -> Answer:
        conn = http.client.HTTPConnection(self.host, timeout=60)
        sent = {"X-Forwarded-For": self.address, **(headers or {})}
        if self.jar and "Cookie" not in sent:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        answer = Answer(response.status, response.getheaders(), response.read().decode("utf-8", "replace"))
        conn.close()
        if keep:
            for raw in answer.cookies():
                name, value = raw.split(";", 1)[0].split("=", 1)
                if value in ("", '""') or "max-age=0" in raw.lower():
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = value
        return answer

    def get(self, path: str, **kw: object) -> Answer:
        return self.request("GET", path, **kw)  # type: ignore[arg-type]

    def post(self, path: str, fields: dict[str, str], origin: str | None = None, **kw: object) -> Answer:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin or self.url}
        headers.update(kw.pop("headers", {}) or {})  # type: ignore[arg-type]
        return self.request("POST", path, body=urlencode(fields), headers=headers, **kw)  # type: ignore[arg-type]

    def csrf(self) -> str:
        page = self.get("/connexion")
        match = re.search(r'name="csrf" value="([^"]+)"', page.body)
        assert match, page.body[:500]
        return match.group(1)

    def log_in(self, user: str, password: str, next_path: str = "/") -> Answer:
        token = self.csrf()
        return self.post("/connexion", {"csrf": token, "username": user, "password": password, "next": next_path})


def copy_data(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        if (source / name).exists():
            shutil.copy(source / name, target / name)
    return target


@pytest.fixture(scope="module")
def secure_app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo territory served by ``isoloir run`` on a private copy (the tests write accounts and sessions)."""
    data_dir = copy_data(demo_dir, tmp_path_factory.mktemp("secure"))
    process, url = start_app(data_dir, env={"ISOLOIR_TRUSTED_PROXIES": "127.0.0.1"})
    yield url, data_dir
    stop_app(process)
