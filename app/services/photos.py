"""Photos: validated with Pillow, resized, EXIF removed, stored outside static/."""
from __future__ import annotations

import io
import os
import secrets

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs


class PhotoError(ValueError):
    """The upload is not an acceptable photo (Indonesian message)."""


def store_photo(data: bytes, photo_dir: str, *, max_bytes: int, max_side: int) -> str:
    """Re-encode an uploaded image as a clean JPEG; returns the stored file name."""
    if not data:
        raise PhotoError("Berkas foto kosong.")
    if len(data) > max_bytes:
        raise PhotoError(f"Foto terlalu besar (maksimal {max_bytes // (1024 * 1024)} MB).")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise PhotoError("Format foto harus JPG, PNG, atau WEBP.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)  # no exif= : metadata dropped
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError("Berkas bukan gambar yang valid.") from None
    os.makedirs(photo_dir, exist_ok=True)
    name = f"{secrets.token_hex(16)}.jpg"
    with open(os.path.join(photo_dir, name), "wb") as fh:
        fh.write(out.getvalue())
    return name


def photo_path(photo_dir: str, name: str | None) -> str | None:
    """The file for a stored name, refusing anything that is not one of ours."""
    if not name or len(name) != 36 or not name.endswith(".jpg") or not name[:32].isalnum():
        return None
    path = os.path.join(photo_dir, name)
    return path if os.path.isfile(path) else None
