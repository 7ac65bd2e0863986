"""The personal data's key (dashboard/access/data_key.py): format, binding, where the key comes from, the file."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from dashboard.access import data_key
from dashboard.access.data_key import DataKeyError, Keyring


def _ring(*texts: str) -> Keyring:
    return Keyring.of([data_key.parse_key(t, "test") for t in texts])


def test_sealed_format_key_id_nonce_and_binding() -> None:
    text = data_key.new_key()
    ring = _ring(text)
    token = ring.seal("Zoé Lefèvre", "contact", "full_name", 7)
    version, kid, body = token.split(":")
    assert version == "ic1" and kid == ring.current == data_key.key_id(data_key.parse_key(text, "t")) and len(kid) == 8
    raw = data_key._unb64(body)
    assert len(raw) == data_key.NONCE_BYTES + len("Zoé Lefèvre".encode()) + 16  # 96-bit nonce, ciphertext, 128-bit tag
    assert ring.open(token, "contact", "full_name", 7) == "Zoé Lefèvre"
    assert ring.seal(None, "contact", "phone", 7) is None and ring.open(None, "contact", "phone", 7) is None
    assert len({ring.seal("même valeur", "contact", "full_name", 7) for _ in range(20)}) == 20  # random nonces
    for table, column, row in (("contact", "full_name", 8), ("contact", "address", 7), ("app_user", "full_name", 7)):
        with pytest.raises(DataKeyError, match="altérée ou déplacée"):
            ring.open(token, table, column, row)
    assert text not in repr(ring) and "trousseau" in repr(ring)


def test_several_keys_open_the_first_seals() -> None:
    old, new = data_key.new_key(), data_key.new_key()
    sealed_old = _ring(old).seal("x", "t", "c", 1)
    both = _ring(new, old)
    assert both.open(sealed_old, "t", "c", 1) == "x"
    assert both.seal("x", "t", "c", 1).split(":")[1] == both.current == data_key.key_id(data_key.parse_key(new, "t"))
    with pytest.raises(DataKeyError, match="n'est pas configurée"):
        _ring(new).open(sealed_old, "t", "c", 1)
    for broken in ("ic1:zz", "ic2:" + sealed_old[4:], sealed_old[:-3], "clair"):
        with pytest.raises(DataKeyError):
            both.open(broken, "t", "c", 1)


def test_environment_first_then_file(tmp_path: Path) -> None:
    a, b, c = data_key.new_key(), data_key.new_key(), data_key.new_key()
    path = tmp_path / "secrets.toml"
    assert data_key.resolve({}, path) is None
    data_key.write_file_keys(path, a, [b])
    from_file = data_key.resolve({}, path)
    assert from_file is not None and from_file.origin == "file" and len(from_file.keys) == 2
    from_env = data_key.resolve({data_key.ENV_VARIABLE: f"{c}, {a}"}, path)
    assert from_env is not None and from_env.origin == "environment"
    assert from_env.current == data_key.key_id(data_key.parse_key(c, "t")) and len(from_env.keys) == 2
    for bad in ("court", "!" * 43, data_key.new_key() + "AAAA"):
        with pytest.raises(DataKeyError, match="invalide"):
            data_key.resolve({data_key.ENV_VARIABLE: bad}, path)
    broken = tmp_path / "broken.toml"
    broken.write_text("[store\n", encoding="utf-8")
    with pytest.raises(DataKeyError, match="illisible"):
        data_key.resolve({}, broken)


def test_the_file_is_written_atomically_600_keeping_the_rest(tmp_path: Path) -> None:
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    path.write_text('[auth]\ncookie_key = "' + "k" * 40 + '"\n\n[store]\nother = 1\n', encoding="utf-8")
    path.chmod(0o644)
    a, b = data_key.new_key(), data_key.new_key()
    data_key.write_file_keys(path, a, [b])
    content = tomllib.loads(path.read_text(encoding="utf-8"))
    assert content["auth"]["cookie_key"] == "k" * 40 and content["store"] == {"data_key": a, "previous_data_keys": [b], "other": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data_key.write_file_keys(path, b, [])
    content = tomllib.loads(path.read_text(encoding="utf-8"))
    assert content["store"] == {"data_key": b, "other": 1} and a not in path.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".streamlit/*.tmp"))


def test_ensure_generates_once_and_never_over_the_environment(tmp_path: Path) -> None:
    path = tmp_path / ".streamlit" / "secrets.toml"
    assert data_key.ensure({data_key.ENV_VARIABLE: data_key.new_key()}, path) is False and not path.exists()
    assert data_key.ensure({}, path) is True
    ring = data_key.resolve({}, path)
    assert ring is not None and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert data_key.ensure({}, path) is False and data_key.resolve({}, path).current == ring.current  # type: ignore[union-attr]
