"""Checking and cleaning uploaded photos with Pillow.

A photo is accepted by what its bytes are, never by its name or declared type: JPEG, PNG and
WebP only. It is decoded in full (a truncated or forged file fails here, not in a browser),
turned upright from its EXIF orientation, and re-encoded from the pixels alone, so no EXIF (GPS
position, camera serial), XMP or comment of the original survives. A thumbnail is made too.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from enum import Enum

from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's names of the formats we take, and how we store each.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
THUMBNAIL_SIZE = (320, 320)
JPEG_QUALITY = 88


class ImageProblem(str, Enum):
    EMPTY_FILE = "EMPTY_FILE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    UNSUPPORTED_IMAGE = "UNSUPPORTED_IMAGE"
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    CORRUPT_IMAGE = "CORRUPT_IMAGE"


class ImageRejected(Exception):
    def __init__(self, problem: ImageProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str
    content_type: str
    width: int
    height: int
    sha256: str
    thumbnail: bytes


def _encode(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    if format == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif format == "WEBP":
        image.save(out, "WEBP", quality=JPEG_QUALITY)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _without_metadata(image: Image.Image) -> Image.Image:
    """Upright, and with nothing but pixels (and PNG transparency) left in `info`."""
    upright = ImageOps.exif_transpose(image)
    for key in [k for k in upright.info if k != "transparency"]:
        del upright.info[key]
    return upright


def _for_jpeg(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _thumbnail(image: Image.Image) -> bytes:
    small = _for_jpeg(image).copy()
    small.thumbnail(THUMBNAIL_SIZE)
    return _encode(small, "JPEG")


def clean(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanImage:
    """The photo re-encoded without metadata, or `ImageRejected` saying why not."""
    if not data:
        raise ImageRejected(ImageProblem.EMPTY_FILE, "The file is empty.")
    if len(data) > max_bytes:
        raise ImageRejected(
            ImageProblem.FILE_TOO_LARGE, f"A photo is at most {max_bytes // 1024} KiB."
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns, then errors, on huge images; we check the size ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            format = str(image.format)
            if image.width * image.height > max_pixels:
                raise ImageRejected(
                    ImageProblem.IMAGE_TOO_LARGE,
                    f"A photo has at most {max_pixels // 1_000_000} million pixels.",
                )
            image.load()
            cleaned = _without_metadata(image)
    except UnidentifiedImageError as exc:
        raise ImageRejected(
            ImageProblem.UNSUPPORTED_IMAGE, "Only JPEG, PNG and WebP photos are accepted."
        ) from exc
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRejected(ImageProblem.CORRUPT_IMAGE, "The photo cannot be read.") from exc
    if format == "JPEG":
        cleaned = _for_jpeg(cleaned)
    extension, content_type = FORMATS[format]
    encoded = _encode(cleaned, format)
    return CleanImage(
        data=encoded,
        extension=extension,
        content_type=content_type,
        width=cleaned.width,
        height=cleaned.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
        thumbnail=_thumbnail(cleaned),
    )
