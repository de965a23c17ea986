"""HTTP caching of public reads: a weak ETag from a hash of the body, ``Cache-Control: public,
max-age=60``, and 304 Not Modified for a matching ``If-None-Match``.

The hash covers exactly what the client would receive (language included), so it is right
whatever changed underneath (an activity, its hosts, a session's seats). A 304 saves the
transfer and the client's parsing; the server still builds the body to hash it.
"""
import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

MAX_AGE = 60
PUBLIC = f"public, max-age={MAX_AGE}"


def etag_for(content: bytes) -> str:
    return f'W/"{hashlib.sha256(content).hexdigest()[:32]}"'


def _weak(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2), as If-None-Match requires."""
    if not if_none_match:
        return False
    tags = parse_etags(if_none_match)
    return tags == ["*"] or _weak(etag) in {_weak(tag) for tag in tags}


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Add validators and caching headers to a successful public GET; answer 304 when the
    client already holds this body. Responses marked private or no-store are left alone."""
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return response
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control:
        return response
    etag = etag_for(response.content)
    response["ETag"] = etag
    response["Cache-Control"] = PUBLIC
    if matches(request.headers.get("If-None-Match", ""), etag):
        not_modified = HttpResponseNotModified()
        for header in ("ETag", "Cache-Control", "Vary", "Content-Language"):
            if header in response:
                not_modified[header] = response[header]
        return not_modified
    return response
