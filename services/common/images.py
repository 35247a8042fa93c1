"""Checking and cleaning uploaded photos with Pillow.

A photo is accepted by what its bytes are, never by its name or declared type: JPEG, PNG and
WebP only. It is decoded in full (a truncated or forged file fails here, not in a browser),
turned upright from its EXIF orientation, and re-encoded from the pixels alone, so no EXIF (GPS
position, camera serial), XMP or comment of the original survives. A thumbnail is made too.

Memory: decoding is the expensive part (a 6000 x 6000 PNG is ~140 MB of pixels, and encoding
it again took seconds). So a photo is kept at most MAX_SIDE pixels on its long side: a JPEG is
decoded straight at a reduced scale (libjpeg's DCT scaling, Pillow's `draft`), the others are
reduced right after decoding, before any copy is made. `clean_bounded` runs at most
IMAGE_DECODE_CONCURRENCY decodes at once per process, each in a worker thread, and after each
hands the freed memory back to the operating system: glibc keeps what threads free in its
arenas otherwise, and six concurrent uploads left a process 500 MB larger for good.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import hashlib
import io
import warnings
import weakref
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
# The long side of a stored photo: a phone's 12 MP photo comes out at 2560 x 1920, enough to
# see a broken kerb or a licence plate.
MAX_SIDE = 2560


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


def _reduced_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _libc_trim() -> ctypes._NamedFuncPointer | None:
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


# glibc's malloc_trim(0) returns the free memory of every arena; other C libraries lack it.
_MALLOC_TRIM = _libc_trim()


def release_memory() -> None:
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


_decode_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _slots(concurrency: int) -> asyncio.Semaphore:
    # One semaphore per event loop: an asyncio.Semaphore belongs to the loop it first waits on.
    loop = asyncio.get_running_loop()
    slots = _decode_slots.get(loop)
    if slots is None:
        slots = _decode_slots[loop] = asyncio.Semaphore(concurrency)
    return slots


async def clean_bounded(
    data: bytes, *, max_bytes: int, max_pixels: int, concurrency: int
) -> CleanImage:
    """`clean` in a worker thread, at most `concurrency` at once in this process (the others
    wait their turn without holding a thread), with its memory released afterwards."""
    async with _slots(concurrency):
        return await asyncio.to_thread(_clean_and_release, data, max_bytes, max_pixels)


def _clean_and_release(data: bytes, max_bytes: int, max_pixels: int) -> CleanImage:
    try:
        return clean(data, max_bytes=max_bytes, max_pixels=max_pixels)
    finally:
        release_memory()


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
            target = _reduced_size(image.width, image.height)
            if format == "JPEG":
                image.draft(None, target)
            image.load()
            # In place, before any copy: the full-size pixels are freed here.
            image.thumbnail(target)
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
