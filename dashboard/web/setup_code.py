"""The one-time setup code that creating the first admin account requires.

``isoloir run`` calls :func:`issue` while the campaign store has no admin: a random code is
written to ``setup-code.txt`` in the data folder (mode 600, readable by the owner only) and
printed in the console. The first-admin form (``/connexion``) checks it with :func:`matches`;
:func:`consume` deletes it once the admin exists. Reaching the URL first is no longer enough.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

FILE = "setup-code.txt"
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from a console and typed
LENGTH = 12


def path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE


def _normalise(code: str) -> str:
    return "".join(c for c in str(code).upper() if c.isalnum())


def issue(data_dir: Path) -> str:
    """The current code (a new one when there is none), in a 600 file of the data folder; shown as XXXX-XXXX-XXXX."""
    target = path(data_dir)
    if target.exists():
        existing = _normalise(target.read_text(encoding="utf-8"))
        if len(existing) == LENGTH:
            os.chmod(target, 0o600)
            return _display(existing)
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    scratch = target.with_name(f".{FILE}.{os.getpid()}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(_display(code) + "\n")
    os.replace(scratch, target)
    return _display(code)


def _display(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def matches(data_dir: Path, code: str) -> bool:
    """Whether ``code`` is the current setup code (constant-time; False when none was issued)."""
    target = path(data_dir)
    try:
        expected = _normalise(target.read_text(encoding="utf-8"))
    except OSError:
        return False
    given = _normalise(code)
    return len(expected) == LENGTH and hmac.compare_digest(expected.encode(), given.encode())


def consume(data_dir: Path) -> None:
    """The first admin exists: the code is spent."""
    path(data_dir).unlink(missing_ok=True)
