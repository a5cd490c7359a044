"""Uploaded files: checked on their content, stored outside the web root
under random names, readable only through access-checked services.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError

from cityviz import config
from cityviz.services.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}
AVATAR_SIZE = 256
# Refuse "decompression bombs" (a small file that expands to gigabytes).
Image.MAX_IMAGE_PIXELS = 40_000_000


@dataclasses.dataclass(frozen=True)
class StoredFile:
    key: str
    content_type: str
    size: int


def _path(key: str) -> Path:
    if not key or not all(c in "0123456789abcdef" for c in key):
        raise InvalidInput("Fichier introuvable.")
    return config.get().upload_dir / key[:2] / key


def check_upload(data: bytes, allowed: dict[str, str] = DOCUMENT_TYPES) -> str:
    """The content type sniffed from the bytes, or a French refusal."""
    names = ", ".join(allowed.values())
    if not data:
        raise InvalidInput("Le fichier est vide.", field="file")
    if len(data) > MAX_BYTES:
        raise InvalidInput("Le fichier dépasse 10 Mo : réduisez-le (photo moins grande, PDF compressé) "
                           "puis réessayez.", field="file")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in allowed:
        raise InvalidInput(f"Format non accepté : envoyez un fichier {names}.", field="file")
    return kind.mime


def _write(data: bytes) -> str:
    key = secrets.token_hex(16)
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return key


@contextlib.contextmanager
def stored(data: bytes, allowed: dict[str, str] = DOCUMENT_TYPES) -> Iterator[StoredFile]:
    """Store a checked upload; removed again if the block (the DB work) fails."""
    content_type = check_upload(data, allowed)
    key = _write(data)
    try:
        yield StoredFile(key=key, content_type=content_type, size=len(data))
    except BaseException:
        delete(key)
        raise


def store_generated(data: bytes) -> str:
    """Store a file the portal made itself (an invoice's PDF for an e-mail); returns its key."""
    return _write(data)


def read(key: str) -> bytes:
    return _path(key).read_bytes()


def delete(key: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _path(key).unlink()


def avatar_bytes(data: bytes) -> bytes:
    """A square 256 px JPEG: turned upright, centre-cropped, metadata removed."""
    check_upload(data, IMAGE_TYPES)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise InvalidInput("Cette image ne peut pas être lue. Essayez une autre photo.",
                           field="file") from exc
    return out.getvalue()


def news_image_bytes(data: bytes) -> bytes:
    """News pictures: at most 1200 px wide, re-encoded (no metadata, no surprises)."""
    check_upload(data, IMAGE_TYPES)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((1200, 1200), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise InvalidInput("Cette image ne peut pas être lue.", field="file") from exc
    return out.getvalue()
