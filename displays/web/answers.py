"""Answers: what a GET for a body answers — 304 when the client holds it (ETag), gzip when
accepted, and the whole header set, security headers included, made once (`Ready`): per
board version and variant for the cached boards, per call for the rest (`conditional`)."""

from __future__ import annotations

import gzip
from collections.abc import Callable

from aiohttp import web
from multidict import CIMultiDict

from displays.service.cluster.board_cache import GZIP_MIN_BYTES, CachedBoard

STATIC_FEED = "X-Static-Feed"    # board responses: the timetable (feed hash) they come from
CLOCK = "X-Clock"                # a pillar page's answers: the page script's clock, to the second
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_FRAMEABLE = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
BOARD_PAGES = ("/displays/",)       # display pages: the fleet view shows them framed
# the APIs: CORS headers, JSON errors from the guard, the rate limit (the standards' handlers
# answer their own errors in the standard's XML)
API_PREFIXES = ("/api/", "/gtfs-rt/", "/siri/", "/ojp/", "/trias/")


def etag_matches(request: web.Request, etag: str) -> bool:
    """Weak comparison of If-None-Match against our ETag (RFC 9110 §13.1.2)."""
    return etag_listed(request.headers.get("If-None-Match"), etag)


def etag_listed(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match value names `etag` (weakly) or is "*"."""
    if not header:
        return False
    if header == etag:
        return True                  # a poll sends back the one ETag it got
    if header.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in header.split(","))


def cache_control(max_age: int) -> str:
    """The Cache-Control of a board-like answer (the few values in use are made once)."""
    found = _CACHE_CONTROL.get(max_age)
    if found is None:
        found = f"public, max-age={max(max_age, 0)}, stale-if-error=300"
        if len(_CACHE_CONTROL) < 4096:
            _CACHE_CONTROL[max_age] = found
    return found


_CACHE_CONTROL: dict[int, str] = {}


def content_type_utf8(content_type: str) -> str:
    """`type; charset=utf-8` as aiohttp writes it (made once per type)."""
    found = _CONTENT_TYPES.get(content_type)
    if found is None:
        found = _CONTENT_TYPES[content_type] = f"{content_type}; charset=utf-8"
    return found


_CONTENT_TYPES: dict[str, str] = {}


def conditional(request: web.Request, *, etag: str, body: bytes, content_type: str,
                max_age: int, gz: bytes | None = None,
                vary: str = "Accept-Encoding, Accept-Language") -> web.Response:
    """Return 304 when the client has this version, else the body (gzip when accepted): a
    `Ready` made for this one answer."""
    return Ready(etag, body, gz, content_type, request.path, vary=vary).answer(request, max_age)


class CompleteResponse(web.Response):
    """A response whose headers are complete, security headers included (`Ready` made them):
    the guard adds none."""


class Answers:
    """The three answers of a body with one header state (a max-age; a page's clock too):
    304 when the client holds this version, else the body, gzipped when accepted."""

    __slots__ = ("body", "etag", "gz", "not_modified", "plain", "zipped")

    def __init__(self, etag: str, body: bytes, gz: bytes | None, plain: CIMultiDict[str],
                 zipped: CIMultiDict[str], not_modified: CIMultiDict[str]) -> None:
        self.etag, self.body, self.gz = etag, body, gz
        self.plain, self.zipped, self.not_modified = plain, zipped, not_modified

    def answer(self, request: web.Request) -> CompleteResponse:
        asked = request.headers
        sent = asked.get("If-None-Match")
        # a poll sends back the one ETag it got: that case without a call
        if sent is not None and (sent == self.etag or etag_listed(sent, self.etag)):
            return CompleteResponse(status=304, headers=self.not_modified)
        if self.gz is not None and "gzip" in asked.get("Accept-Encoding", ""):
            return CompleteResponse(body=self.gz, headers=self.zipped)
        return CompleteResponse(body=self.body, headers=self.plain)

    def clocked(self, now: int) -> Answers:
        """These answers with the page script's clock (`CLOCK`) in each."""
        def with_clock(headers: CIMultiDict[str]) -> CIMultiDict[str]:
            headers = headers.copy()
            headers[CLOCK] = str(now)
            return headers

        return Answers(self.etag, self.body, self.gz, with_clock(self.plain),
                       with_clock(self.zipped), with_clock(self.not_modified))


class Ready:
    """A body as it is answered, conditionally: the body, its gzip, and the whole header set
    of each answer (200 plain, 200 gzip, 304) per max-age (`Answers`), made once.

    Kept per board version and variant (`serve_rendering`), a cached board's poll costs a
    dictionary lookup and a `web.Response` (a copy of a header set made once: from a
    CIMultiDict three times faster than from a dict): the headers are not assembled,
    checked and extended on every request. `conditional` makes one for a single answer.
    """

    __slots__ = ("_at", "_base", "_content_type", "_security", "body", "etag", "gz")

    def __init__(self, etag: str, body: bytes, gz: bytes | None, content_type: str, path: str,
                 *, feed_label: str | None = None,
                 vary: str = "Accept-Encoding, Accept-Language") -> None:
        self.etag, self.body, self.gz = etag, body, gz
        self._base = {"ETag": etag, "Vary": vary}
        if feed_label is not None:
            self._base[STATIC_FEED] = feed_label
        self._content_type = content_type_utf8(content_type)
        self._security = security_kind(path)
        self._at: dict[int, Answers] = {}

    def answer(self, request: web.Request, max_age: int) -> CompleteResponse:
        """304 when the client holds this version, else the body (gzip when accepted)."""
        return self.at(max_age).answer(request)

    def at(self, max_age: int) -> Answers:
        """The answers with this max-age (a board's counts down to its next refresh)."""
        found = self._at.get(max_age)
        if found is None:
            plain = self._headers(max_age, "plain")
            zipped = plain if self.gz is None else self._headers(max_age, "gzip")
            found = Answers(self.etag, self.body, self.gz, plain, zipped,
                            self._headers(max_age, None))
            if len(self._at) < 64:
                self._at[max_age] = found
        return found

    def _headers(self, max_age: int, encoding: str | None) -> CIMultiDict[str]:
        """The header set of a 200 (`encoding` "plain" or "gzip") or a 304 (None)."""
        made = {**self._base, "Cache-Control": cache_control(max_age)}
        if encoding is not None:
            made["Content-Type"] = self._content_type
            if encoding == "gzip":
                made["Content-Encoding"] = "gzip"
        api, frameable = self._security
        made.update(security_headers(made.get("Content-Type", ""), api, frameable))
        return CIMultiDict(made)


def serve_rendering(request: web.Request, board: CachedBoard, variant: tuple[str, ...],
                    render: Callable[[], bytes], content_type: str, max_age: int,
                    etag: Callable[[bytes], str | None] | str | None = None) -> web.Response:
    """Answer with a rendering of a cached board, made once per board version and variant
    (`Ready`); its ETag is the body's, or `etag` (a value, or a function of the body)."""
    key = (variant, request.path)
    ready = board.answers.get(key)
    if ready is None:
        body_etag, body = board.rendering(variant, render)
        given = etag(body) if callable(etag) else etag
        ready = Ready(given or body_etag, body, board.gzipped(variant, body), content_type,
                      request.path, feed_label=board.feed_label)
        board.keep_answer(key, ready)
    return ready.answer(request, max_age)


def gzipped(body: bytes) -> bytes | None:
    """Return the gzip of a body worth compressing, else None."""
    if len(body) < GZIP_MIN_BYTES:
        return None
    return gzip.compress(body, compresslevel=6, mtime=0)


def add_security_headers(response: web.StreamResponse, api: bool, frameable: bool = False
                         ) -> None:
    """Strict headers; a board page may be framed by this site only (the fleet view). A
    header the handler set itself is kept."""
    headers = response.headers
    for key, value in security_headers(headers.get("Content-Type", ""), api, frameable):
        if key not in headers:
            headers[key] = value


def security_headers(content_type: str, api: bool, frameable: bool
                     ) -> tuple[tuple[str, str], ...]:
    """The security headers of an answer of `content_type` (API: CORS too)."""
    html = content_type.startswith("text/html") and content_type[9:10] in ("", ";", " ")
    page = (HTML_FRAMEABLE if frameable else HTML_STRICT) if html else ()
    return NOSNIFF + page + (API_HEADERS if api else ())


def security_kind(path: str) -> tuple[bool, bool]:
    """(API, frameable) as the guard tells them from a path."""
    return path.startswith(API_PREFIXES), path.startswith(BOARD_PAGES)


NOSNIFF = (("X-Content-Type-Options", "nosniff"),)
HTML_STRICT = (("Content-Security-Policy", CSP), ("Referrer-Policy", "no-referrer"),
               ("X-Frame-Options", "DENY"))
HTML_FRAMEABLE = (("Content-Security-Policy", CSP_FRAMEABLE), ("Referrer-Policy", "no-referrer"),
                  ("X-Frame-Options", "SAMEORIGIN"))
API_HEADERS = (("Access-Control-Allow-Origin", "*"),
               ("Access-Control-Expose-Headers", f"ETag, Retry-After, {STATIC_FEED}"))
