"""Helpers for the civic-issue tests: photos made on the spot (with and without EXIF GPS and
orientation), the catalogue, a dispatch centre, people, and reports."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from models.accounts import Role
from models.civic import CivicIssue
from models.volunteers import Skill
from services import civic
from services.civic import lifecycle as civic_lifecycle
from services.civic.catalogue import ensure_categories
from services.common.principal import Principal
from tests.dispatch.support import HUICHENG_LAT, HUICHENG_LNG, make_centers
from tests.support import make_user, make_volunteer

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg(
    width: int = 64,
    height: int = 32,
    *,
    gps: bool = False,
    orientation: int | None = None,
    color: tuple[int, int, int] = (200, 40, 40),
) -> bytes:
    """A JPEG; with `gps`, an EXIF GPS position (Huizhou), with `orientation`, that tag."""
    image = Image.new("RGB", (width, height), color)
    # A marker in the top-left corner, to check which way up a stored photo is.
    image.paste((0, 0, 255), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (23.0, 5.0, 1.3), 3: "E", 4: (114.0, 22.0, 58.0)}
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes() if len(exif) else b"", comment=b"secret")
    return out.getvalue()


def png(width: int = 40, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 200, 10, 128)).save(out, "PNG")
    return out.getvalue()


def webp(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 10, 200)).save(out, "WEBP")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    return out.getvalue()


async def civic_world() -> dict[str, Any]:
    """Catalogue, centres and the people of a civic-issue story."""
    await ensure_categories()
    centers = await make_centers()
    _, resident = await make_user("resident1", Role.RESIDENT)
    _, other = await make_user("neighbour", Role.RESIDENT)
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    _, supervisor, supervisor_id = await make_volunteer(
        "supervisor1", skills=[Skill.CIVIC_SUPERVISION]
    )
    _, volunteer, volunteer_id = await make_volunteer("volunteer1")
    return {
        "centers": centers,
        "resident": resident,
        "other": other,
        "dispatcher": dispatcher,
        "supervisor": supervisor,
        "supervisor_id": supervisor_id,
        "volunteer": volunteer,
        "volunteer_id": volunteer_id,
    }


async def report(principal: Principal, **overrides: Any) -> CivicIssue:
    values: dict[str, Any] = {
        "category_code": "LITTERING",
        "description": "Construction waste dumped beside the bus stop",
        "lat": HUICHENG_LAT,
        "lng": HUICHENG_LNG,
        "address": "惠城区江北文昌一路 8 号",
        "photos": [("before.jpg", jpeg())],
    }
    values.update(overrides)
    # The service stamps the present; a test that needs an older report backdates the row.
    reported_at = values.pop("reported_at", None)
    issue = await civic.report_issue(principal, **values)
    if reported_at is not None:
        await CivicIssue.filter(id=issue.id).update(reported_at=reported_at)
        await issue.refresh_from_db()
    return issue


async def rectified(who: dict[str, Any], reporter: Principal | None = None) -> CivicIssue:
    """A report walked to RECTIFIED, with an after photo."""
    issue = await report(reporter or who["resident"])
    staff = who["dispatcher"]
    await civic_lifecycle.file_issue(staff, issue.id)
    await civic_lifecycle.dispatch_issue(staff, issue.id)
    await civic_lifecycle.start_rectification(staff, issue.id)
    return await civic_lifecycle.rectify_issue(
        staff, issue.id, photos=[("after.jpg", jpeg(color=(40, 200, 40)))]
    )
