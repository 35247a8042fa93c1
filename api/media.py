"""Stored photos at stable URLs: `/media/<key>`.

Keys are ours (random, never reused), so a file never changes under its URL: it is served with
a year's `immutable` cache lifetime, plus ETag and Last-Modified for revalidation. Anything that
is not a well-formed key — `..`, absolute paths, encoded slashes, other extensions — is a 404
before the file system is touched."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from services.storage import content_type_of, get_storage, is_valid_key

CACHE_FOREVER = "public, max-age=31536000, immutable"
_HEADERS = {
    "Cache-Control": CACHE_FOREVER,
    "X-Content-Type-Options": "nosniff",
    # A photo is never a page: no scripts even if a browser were tricked into rendering it.
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


async def media(request: Request) -> Response:
    key = str(request.path_params.get("key", ""))
    if not is_valid_key(key):
        return Response("Not found.", status_code=404, media_type="text/plain")
    storage = get_storage()
    content_type = content_type_of(key)
    path = storage.local_path(key)
    if path is not None:
        if not path.is_file():
            return Response("Not found.", status_code=404, media_type="text/plain")
        return FileResponse(path, media_type=content_type, headers=_HEADERS)
    data = await storage.get(key)
    if data is None:
        return Response("Not found.", status_code=404, media_type="text/plain")
    return Response(data, media_type=content_type, headers=_HEADERS)
