"""Time-based one-time passwords (RFC 6238, through ``pyotp``) and recovery codes. Pure.

- :func:`new_secret`: a random base32 secret of 160 bits (what authenticator apps expect);
- :func:`provisioning_uri`: the ``otpauth://`` address an app enrols from, issuer « Isoloir »
  and the user name as the account; :func:`qr_svg` draws it as a QR code (``segno``);
- :func:`matching_step`: the 30-second time step a 6-digit code belongs to, accepted one step
  before or after the current one (clocks drift), and only if that step is later than the last
  one used: a code seen once (replayed, or observed over a shoulder) is refused;
- recovery codes: ten random codes of 10 base32 characters (50 bits each) shown once, kept as
  SHA-256 digests salted with the user name (:func:`recovery_digest`); their entropy makes a slow
  hash unnecessary, and each is usable once (the store marks it used).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyotp
import segno

ISSUER = "Isoloir"
STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted before and after the current one
RECOVERY_CODES = 10
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    """A random base32 TOTP secret (32 characters, 160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, user_name: str) -> str:
    """``otpauth://totp/Isoloir:<user>?secret=…&issuer=Isoloir`` for authenticator apps."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=user_name, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    """The provisioning address as an SVG QR code (black on white, a quiet zone of 4 modules)."""
    return segno.make(uri, error="m").svg_inline(scale=6, dark="#000", light="#fff").encode("utf-8")


def qr_png(uri: str) -> bytes:
    """The provisioning address as a PNG QR code."""
    import io

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def step_of(now: float) -> int:
    """The time step (30-second slot since the epoch) of ``now`` (seconds since the epoch)."""
    return int(now // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The code of ``secret`` for time step ``step``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def clean_code(code: str) -> str:
    """A typed code without spaces, dashes or case (« 123 456 », « ABCD-EFGH-IJ »)."""
    return re.sub(r"[\s-]+", "", str(code)).lower()


def matching_step(secret: str, code: str, *, now: float, last_step: int | None) -> int | None:
    """The step ``code`` belongs to (within ±``WINDOW`` of ``now``, later than ``last_step``), or None."""
    typed = clean_code(code)
    if not _CODE.match(typed):
        return None
    current = step_of(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), typed):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """``count`` random recovery codes, shown as ``xxxxx-xxxxx``."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_BASE32) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def looks_like_recovery_code(code: str) -> bool:
    typed = clean_code(code)
    return len(typed) == 10 and all(c in _BASE32 for c in typed)


def recovery_digest(user_name: str, code: str) -> str:
    """What the store keeps of a recovery code: SHA-256 of the user name and the cleaned code."""
    return hashlib.sha256(f"{user_name}\n{clean_code(code)}".encode("utf-8")).hexdigest()
