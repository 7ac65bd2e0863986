"""The key that encrypts personal data in the campaign store: AES-256-GCM, where the key comes from, its rotation.

**Format of a sealed value** (text, so it fits the existing ``VARCHAR``
columns of both backends): ``ic1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``
— ``ic1`` the format version, the key id (8 hex digits derived from the key,
so a key and its id cannot disagree), a random 96-bit nonce per value, and the
AES-GCM ciphertext with its 128-bit tag. The *associated data* is
``isoloir|<table>|<column>|<row id>``: a value copied into another row or
column no longer opens (the tag fails), so values cannot be swapped.

**Where the key comes from** (never the data folder): the ``ISOLOIR_DATA_KEY``
environment variable, then ``[store] data_key`` in ``.streamlit/secrets.toml``
(git-ignored, mode 600). A key is 32 random bytes in base64url. During a
rotation several keys are configured: the environment may hold
``new,old,…`` (the first seals), the file ``previous_data_keys = [ … ]``
beside ``data_key``. ``isoloir run`` and ``isoloir demo`` generate the file's
key when none is configured (:func:`ensure`); it is never printed or logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.errors import IsoloirError

ENV_VARIABLE = "ISOLOIR_DATA_KEY"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
PREFIX = "ic1"
KEY_BYTES = 32
NONCE_BYTES = 12


class DataKeyError(IsoloirError):
    """The personal data cannot be sealed or opened: key missing, unknown, wrong, or a value altered."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_key(raw: bytes) -> str:
    """A key as configured (base64url)."""
    return _b64(raw)


def new_key() -> str:
    """A fresh random key, as configured (base64url of 32 bytes)."""
    return _b64(secrets.token_bytes(KEY_BYTES))


def key_id(raw: bytes) -> str:
    """The public id of a key: 8 hex digits of a hash of it (reveals nothing usable)."""
    return hashlib.sha256(b"isoloir-data-key-id|" + raw).hexdigest()[:8]


def parse_key(text: str, origin: str) -> bytes:
    try:
        raw = _unb64(str(text).strip())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"clé de chiffrement des données personnelles invalide ({origin}) : "
                           f"{KEY_BYTES} octets en base64url attendus (générez-en une avec « isoloir keys rotate »)")
    return raw


def associated_data(table: str, column: str, row_id: object) -> bytes:
    return f"isoloir|{table}|{column}|{row_id}".encode()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


@dataclass(frozen=True)
class Keyring:
    """The configured keys: ``current`` seals, every key in ``keys`` opens (by key id)."""

    current: str  # key id
    keys: dict[str, bytes] = field(repr=False)
    origin: str = "environment"  # "environment" or "file"
    _aeads: dict[str, object] = field(default_factory=dict, repr=False, compare=False)  # one AESGCM per key, made once

    @classmethod
    def of(cls, raw_keys: list[bytes], origin: str = "environment") -> Keyring:
        if not raw_keys:
            raise DataKeyError("aucune clé de chiffrement des données personnelles")
        keys = {key_id(raw): raw for raw in raw_keys}
        return cls(key_id(raw_keys[0]), keys, origin)

    def __repr__(self) -> str:  # never the keys
        return f"<trousseau : clé {self.current}, {len(self.keys)} clé(s)>"

    def _aead(self, kid: str):  # type: ignore[no-untyped-def]
        aead = self._aeads.get(kid)
        if aead is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            aead = self._aeads[kid] = AESGCM(self.keys[kid])
        return aead

    def seal(self, value: str | None, table: str, column: str, row_id: object) -> str | None:
        """``value`` encrypted for (table, column, row); None stays None."""
        if value is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead(self.current).encrypt(nonce, str(value).encode("utf-8"), associated_data(table, column, row_id))
        return f"{PREFIX}:{self.current}:{_b64(nonce + sealed)}"

    def open(self, token: str | None, table: str, column: str, row_id: object) -> str | None:
        """The clear value of a sealed ``token`` of (table, column, row); None stays None.

        Refuses (French :class:`DataKeyError`) a clear or malformed value, a key
        that is not configured, and a value altered or moved from another row or column.
        """
        if token is None:
            return None
        where = f"{table}.{column}, ligne {row_id}"
        parts = token.split(":", 2) if isinstance(token, str) else []
        if len(parts) != 3 or parts[0] != PREFIX:
            raise DataKeyError(f"donnée personnelle non chiffrée ou illisible ({where}) : le magasin de campagne a été "
                               "modifié hors d'Isoloir")
        kid, body = parts[1], parts[2]
        if kid not in self.keys:
            raise DataKeyError(f"la clé de chiffrement « {kid} » qui a chiffré les données personnelles n'est pas configurée "
                               f"({ENV_VARIABLE} ou [store] data_key de .streamlit/secrets.toml) : mauvaise clé ou clé perdue")
        from cryptography.exceptions import InvalidTag

        try:
            raw = _unb64(body)
            try:
                clear = self._aead(kid).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data(table, column, row_id))
            except InvalidTag:
                clear = None
        except (binascii.Error, ValueError):
            clear = None
        if clear is None:
            raise DataKeyError(f"donnée personnelle altérée ou déplacée ({where}) : son contrôle d'intégrité a échoué")
        return clear.decode("utf-8")


# -- configuration ----------------------------------------------------------------------------
def _file_content(path: Path) -> dict:  # type: ignore[type-arg]
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DataKeyError(f"fichier de secrets illisible : {path} ({type(error).__name__})") from None


def keys_from_file(path: Path) -> list[bytes]:
    """``[store] data_key`` then ``previous_data_keys`` of a secrets file ([] when absent)."""
    table = _file_content(path).get("store")
    if not isinstance(table, dict) or not table.get("data_key"):
        return []
    previous = table.get("previous_data_keys") or []
    if not isinstance(previous, list):
        raise DataKeyError(f"{path} : previous_data_keys doit être une liste de clés")
    return [parse_key(str(table["data_key"]), str(path))] + [parse_key(str(k), str(path)) for k in previous]


def resolve(env: Mapping[str, str], secrets_path: Path) -> Keyring | None:
    """The configured keys (environment first), or None when none is configured."""
    if env.get(ENV_VARIABLE):
        raw = [parse_key(part, ENV_VARIABLE) for part in env[ENV_VARIABLE].split(",") if part.strip()]
        return Keyring.of(raw, "environment")
    raw = keys_from_file(secrets_path)
    return Keyring.of(raw, "file") if raw else None


def missing_key_error() -> DataKeyError:
    return DataKeyError(f"clé de chiffrement des données personnelles absente : définissez {ENV_VARIABLE} ou lancez "
                        "« isoloir run » / « isoloir demo », qui en créent une dans .streamlit/secrets.toml")


def write_file_keys(secrets_path: Path, current: str, previous: list[str]) -> None:
    """Set ``[store] data_key`` (and ``previous_data_keys``) in ``secrets_path``, atomically, mode 600.

    The rest of the file (``[auth]``, other ``[store]`` entries) is kept line for line.
    """
    secrets_path.parent.mkdir(parents=True, exist_ok=True)
    lines = secrets_path.read_text(encoding="utf-8").splitlines() if secrets_path.exists() else []
    ours = [f'data_key = "{current}"'] + ([f"previous_data_keys = [{', '.join(repr(k) for k in previous)}]"] if previous else [])
    out: list[str] = []
    section = None
    placed = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.strip("[] ")
            out.append(line)
            if section == "store" and not placed:
                out.extend(ours)
                placed = True
            continue
        if section == "store" and stripped.split("=", 1)[0].strip() in ("data_key", "previous_data_keys"):
            continue
        out.append(line)
    if not placed:
        if out and out[-1].strip():
            out.append("")
        out += ["[store]", "# Encrypts personal data in the campaign store. Keep it secret, never commit it, back it up:",
                "# without it the contacts cannot be read.", *ours]
    text = "\n".join(out) + "\n"
    tomllib.loads(text)  # never leave a file the app cannot read
    temporary = secrets_path.with_name(secrets_path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o600)
    os.replace(temporary, secrets_path)


def ensure(env: Mapping[str, str] | None, secrets_path: Path) -> bool:
    """Make sure a key is configured; write a random one to ``secrets_path`` (600) if not. True when written."""
    env = os.environ if env is None else env
    if resolve(env, secrets_path) is not None:
        return False
    write_file_keys(secrets_path, new_key(), [])
    return True
