"""Open311 POST Service Request over HTTP: the form (urlencoded, or multipart with photos in
`media`) read within the upload limit, the `api_key` checked, and the answer rendered. The rules
are in `services.open311.submit`."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from api.open311.render import Many, render
from models.civic import CivicCategory
from services import civic
from services.common.errors import DomainError
from services.open311 import service_notice
from services.open311.errors import Open311ErrorCode
from services.open311.submit import Submission, client_for, submit
from settings import Settings

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
TEXT_FIELDS = (
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "media_url",
    "email",
    "first_name",
    "last_name",
    "phone",
    "device_id",
    "account_id",
)


async def _form(request: Request, settings: Settings) -> FormData:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise DomainError(
            Open311ErrorCode.UNREADABLE_REQUEST,
            "Send the request as application/x-www-form-urlencoded, or as multipart/form-data "
            "with photos in `media`.",
        )
    # The size is known before the body is read: a chunked upload could fill the disk.
    limit = settings.max_photo_bytes * civic.MAX_REPORT_PHOTOS + 1024 * 1024
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise DomainError(Open311ErrorCode.UNREADABLE_REQUEST, "Send a Content-Length.")
    if int(length) > limit:
        raise DomainError(
            Open311ErrorCode.UNREADABLE_REQUEST, f"The request is larger than {limit} bytes."
        )
    try:
        return await request.form(max_files=civic.MAX_REPORT_PHOTOS + 1, max_fields=100)
    except (HTTPException, MultiPartException) as error:
        detail = error.detail if isinstance(error, HTTPException) else error.message
        raise DomainError(
            Open311ErrorCode.UNREADABLE_REQUEST, f"Unreadable form: {detail}"
        ) from error


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _media(form: FormData, max_bytes: int) -> list[tuple[str, bytes]]:
    """The uploaded photos, each read no further than one byte past the size limit (enough
    for the photo check to refuse it); none read when there are too many to accept."""
    uploads = [item for item in form.getlist("media") if isinstance(item, UploadFile)]
    if len(uploads) > civic.MAX_REPORT_PHOTOS:
        return [(upload.filename or "", b"") for upload in uploads]
    return [(upload.filename or "", await upload.read(max_bytes + 1)) for upload in uploads]


async def create(request: Request, format: str, settings: Settings) -> Response:
    """POST Service Request; the answer has the service_request_id (we are `realtime`)."""
    form = await _form(request, settings)
    try:
        principal = await client_for(_text(form, "api_key"))
        fields = {name: _text(form, name) for name in TEXT_FIELDS}
        media = await _media(form, settings.max_photo_bytes)
        issue = await submit(principal, Submission(**fields, media=media))
    finally:
        await form.close()
    category = await CivicCategory.get(id=issue.category_id)
    created = {
        "service_request_id": issue.token,
        "service_notice": service_notice(category),
        # The app's own account ids are not kept: its users have no account with us.
        "account_id": None,
    }
    return render(format, "service_requests", Many("request", [created]), 201)
