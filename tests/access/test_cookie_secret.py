"""The login cookie's signing key: environment, secrets file, generation on first start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dashboard.access import cookie_secret
from dashboard.errors import ConfigError


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('[auth]\ncookie_key = "' + "f" * 40 + '"\n')
    assert cookie_secret.resolve({"ISOLOIR_COOKIE_KEY": "e" * 40}, path) == "e" * 40
    assert cookie_secret.resolve({}, path) == "f" * 40
    assert cookie_secret.resolve({}, tmp_path / "absent.toml") is None


def test_short_or_broken_keys_are_refused_in_french(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="trop courte"):
        cookie_secret.resolve({"ISOLOIR_COOKIE_KEY": "court"}, tmp_path / "x.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[auth\ncookie_key = ")
    with pytest.raises(ConfigError, match="illisible") as info:
        cookie_secret.resolve({}, broken)
    assert "cookie_key =" not in str(info.value)  # the file's content is never echoed


def test_ensure_generates_a_private_key_once_and_keeps_other_secrets(tmp_path: Path) -> None:
    path = tmp_path / ".streamlit" / "secrets.toml"
    assert cookie_secret.ensure({}, path) is True
    key = cookie_secret.resolve({}, path)
    assert key and len(key) >= cookie_secret.MIN_LENGTH
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cookie_secret.ensure({}, path) is False and cookie_secret.resolve({}, path) == key  # not regenerated
    other = tmp_path / "other.toml"
    other.write_text('[database]\nurl = "postgres://x"\n')
    assert cookie_secret.ensure({}, other) is True
    assert 'url = "postgres://x"' in other.read_text() and cookie_secret.resolve({}, other)
    # a configured environment needs no file
    assert cookie_secret.ensure({"ISOLOIR_COOKIE_KEY": "k" * 40}, tmp_path / "none.toml") is False
    assert not (tmp_path / "none.toml").exists()


def test_the_repository_ignores_the_secrets_file() -> None:
    gitignore = (Path(__file__).resolve().parents[2] / ".gitignore").read_text()
    assert ".streamlit/secrets.toml" in gitignore.splitlines()
