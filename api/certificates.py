"""`GET /certificates/<id>.pdf` (its volunteer and its issuer, bearer token as for the API) and
`GET /verify/<code>`, the public page a certificate's QR code opens."""

from __future__ import annotations

import asyncio
import html
import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from api.auth import principal_of
from models.certificates import CertificateStatus
from services import certificates
from services.certificates.pdf import FontMissing

log = logging.getLogger("volunteer_city.certificates")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status
    )


async def certificate_pdf(request: Request) -> Response:
    principal = principal_of(request)
    if not principal.is_authenticated:
        return _error(401, "NOT_AUTHENTICATED", "Sign in first (Authorization: Bearer <token>).")
    raw = request.path_params["id"]
    row = await certificates.readable(principal, int(raw)) if raw.isdigit() else None
    # A stranger cannot tell someone else's certificate from a missing one.
    if row is None:
        return _error(404, "CERTIFICATE_NOT_FOUND", "No such certificate.")
    if row.verification_code is None:
        if row.status == CertificateStatus.DECLINED:
            return _error(409, "NOT_ISSUED", "The request was declined: nothing was certified.")
        return _error(409, "NOT_ISSUED", "The certificate is requested, not yet issued.")
    try:
        # Rendering is CPU work of some tens of milliseconds: keep the event loop free.
        body = await asyncio.to_thread(certificates.render, row)
    except FontMissing as error:
        log.error("certificate PDF: %s", error)
        return _error(503, "FONT_MISSING", str(error))
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="certificate-{row.number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>志愿服务记录证明核验</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}
.valid{{color:#0a7a2f}}.revoked{{color:#b00020}}dt{{font-weight:bold}}</style></head>
<body><h1>志愿服务记录证明核验</h1>{body}</body></html>
"""


async def verify_page(request: Request) -> Response:
    result = await certificates.verify(request.path_params["code"])
    code = html.escape(result.code)
    if not result.found:
        body = f"<p class=revoked>未找到验证码为 {code} 的证明 (not found).</p>"
        return HTMLResponse(_PAGE.format(body=body), status_code=404)
    state = (
        "<p class=valid>有效 VALID</p>" if result.valid else "<p class=revoked>已撤销 REVOKED</p>"
    )
    issued = result.issued_at.date().isoformat() if result.issued_at else ""
    rows = (
        ("验证码 Code", code),
        ("志愿者 Volunteer", html.escape(result.masked_name or "")),
        ("出具单位 Issuer", html.escape(result.issuer or "")),
        ("服务时长 Hours", f"{result.hours}"),
        ("出具日期 Issued", issued),
    )
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return HTMLResponse(
        _PAGE.format(body=f"{state}<dl>{items}</dl>"), headers={"Cache-Control": "no-store"}
    )
