"""Password rules and hashing (bcrypt).

Rules follow current guidance (ANSSI, NIST SP 800-63B): length matters, no
composition rules, common passwords refused. bcrypt only reads 72 bytes, so a
longer password is refused with an explanation instead of being truncated.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import secrets
from pathlib import Path

import bcrypt

from cityviz import config
from cityviz.services.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 64
MAX_BYTES = 72
_COMMON_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@functools.cache
def _dummy_hash() -> bytes:
    """Checked when the account does not exist, so that both cases take as long."""
    return bcrypt.hashpw(b"no account", bcrypt.gensalt(config.get().bcrypt_rounds))


@functools.cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_FILE, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def check_password_rules(password: str, *, email: str = "") -> None:
    """Raise InvalidInput with a French explanation when the password is refused."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères.", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            f"Le mot de passe ne peut pas dépasser {MAX_LENGTH} caractères.", field="password"
        )
    if len(password.encode("utf-8")) > MAX_BYTES:
        raise InvalidInput(
            "Ce mot de passe est trop long une fois encodé (plus de 72 octets) : les lettres "
            "accentuées et les symboles comptent pour plusieurs octets. Raccourcissez-le un peu.",
            field="password",
        )
    lowered = password.lower()
    local_part = email.lower().split("@")[0]
    stem = re.sub(r"[\d\W_]+$", "", lowered)  # "motdepasse2024!" -> "motdepasse"
    if (
        lowered in _common_passwords()
        or (len(stem) >= 4 and stem in _common_passwords())
        or len(set(password)) <= 2
        or (email and lowered in {email.lower(), local_part})
    ):
        raise InvalidInput(
            "Ce mot de passe est trop courant ou trop facile à deviner. Choisissez-en un autre, "
            "par exemple une phrase de plusieurs mots.",
            field="password",
        )


def hash_password(password: str) -> str:
    """bcrypt hash; slow on purpose (≈ 0.25 s at cost 12): call it off the event loop."""
    rounds = config.get().bcrypt_rounds
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str | None) -> bool:
    encoded = password.encode("utf-8")
    if password_hash is None or len(encoded) > MAX_BYTES:
        bcrypt.checkpw(b"x", _dummy_hash())
        return False
    return bcrypt.checkpw(encoded, password_hash.encode("ascii"))


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe secret (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """Random tokens have enough entropy for a plain SHA-256; only this is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_temporary_password() -> str:
    """16 characters without look-alikes (about 92 bits), grouped for reading."""
    raw = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))
