"""Photos of civic issues: every file checked and cleaned before anything is stored, written to
media storage before the transaction, and removed again if the transaction does not commit."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from models.civic import CivicPhoto, PhotoPhase
from services.civic.errors import CivicErrorCode
from services.common.errors import Collector
from services.common.images import CleanImage, ImageRejected, clean_bounded
from services.common.storage import get_storage
from settings import get_settings


@dataclass(frozen=True)
class StoredPhoto:
    image: CleanImage
    key: str
    thumbnail_key: str


async def prepare(photos: Sequence[tuple[str, bytes]], collector: Collector) -> list[CleanImage]:
    """Each photo cleaned (in a worker thread, a bounded number at once: decoding is CPU and
    memory), or its problem added to `collector` under `photos.<index>`. The file name is not
    trusted for anything."""
    settings = get_settings()
    cleaned: list[CleanImage] = []
    for index, (_name, data) in enumerate(photos):
        try:
            cleaned.append(
                await clean_bounded(
                    data,
                    max_bytes=settings.max_photo_bytes,
                    max_pixels=settings.max_photo_pixels,
                    concurrency=settings.image_decode_concurrency,
                )
            )
        except ImageRejected as rejected:
            collector.add(
                CivicErrorCode(rejected.problem.value), rejected.message, f"photos.{index}"
            )
    return cleaned


async def store(images: Sequence[CleanImage]) -> list[StoredPhoto]:
    storage = get_storage()
    month = datetime.now(UTC).strftime("%Y/%m")
    stored: list[StoredPhoto] = []
    try:
        for image in images:
            name = f"civic/{month}/{secrets.token_hex(16)}"
            photo = StoredPhoto(image, f"{name}.{image.extension}", f"{name}-thumb.jpg")
            stored.append(photo)
            await storage.put(photo.key, image.data)
            await storage.put(photo.thumbnail_key, image.thumbnail)
    except BaseException:
        await discard(stored)
        raise
    return stored


async def discard(stored: Sequence[StoredPhoto]) -> None:
    storage = get_storage()
    for photo in stored:
        await storage.delete(photo.key)
        await storage.delete(photo.thumbnail_key)


async def attach(
    issue_id: int,
    phase: PhotoPhase,
    uploader_id: int | None,
    stored: Sequence[StoredPhoto],
    at: datetime,
) -> None:
    """Inside the issue's transaction: one row per stored photo."""
    for photo in stored:
        await CivicPhoto.create(
            issue_id=issue_id,
            phase=phase,
            storage_key=photo.key,
            thumbnail_key=photo.thumbnail_key,
            content_type=photo.image.content_type,
            width=photo.image.width,
            height=photo.image.height,
            size=len(photo.image.data),
            sha256=photo.image.sha256,
            uploader_id=uploader_id,
            created_at=at,
        )
