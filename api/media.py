"""Stored photos at stable URLs: `/media/<key>`.

Keys are ours (random, never reused), so a file never changes under its URL: it is served with
a year's `immutable` cache lifetime, plus ETag and Last-Modified for revalidation. Anything that
is not a well-formed key — `..`, absolute paths, encoded slashes, other extensions — is a 404
before the file system is touched."""

from __future__ import annotations

from stat import S_ISREG

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from services.common.storage import content_type_of, get_storage, is_valid_key

CACHE_FOREVER = "public, max-age=31536000, immutable"
_HEADERS = {
    "Cache-Control": CACHE_FOREVER,
    "X-Content-Type-Options": "nosniff",
    # A photo is never a page: no scripts even if a browser were tricked into rendering it.
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _not_modified(request: Request, response: Response) -> Response | None:
    """A 304 for a client that has this very file (FileResponse answers ranges, not this)."""
    etag = response.headers.get("etag")
    wanted = request.headers.get("if-none-match", "")
    if etag and etag in (tag.strip() for tag in wanted.split(",")):
        return Response(status_code=304, headers={**_HEADERS, "etag": etag})
    return None


async def media(request: Request) -> Response:
    key = str(request.path_params.get("key", ""))
    if not is_valid_key(key):
        return Response("Not found.", status_code=404, media_type="text/plain")
    storage = get_storage()
    content_type = content_type_of(key)
    path = storage.local_path(key)
    if path is not None:
        try:
            stat = path.stat()
        except OSError:
            stat = None
        if stat is None or not S_ISREG(stat.st_mode):
            return Response("Not found.", status_code=404, media_type="text/plain")
        # Given the stat, FileResponse sets ETag and Last-Modified now, for the check below.
        response = FileResponse(path, media_type=content_type, headers=_HEADERS, stat_result=stat)
        return _not_modified(request, response) or response
    data = await storage.get(key)
    if data is None:
        return Response("Not found.", status_code=404, media_type="text/plain")
    return Response(data, media_type=content_type, headers=_HEADERS)
