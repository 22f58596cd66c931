"""The operator page (/operator): sign in with a token, see active, scheduled and draft
notices, create one with the notice editor. The editor (shared with editing a notice,
`operator_notice`) picks targets at network scale by searching — stops and stations, routes
by headsign, displays by title — shows them as removable chips, previews every affected board
with the draft on it, and shows the notice's GTFS-RT rendering.

Server-rendered Jinja2 (autoescaped), no script at all: every step is a form post that keeps
what was typed; every form carries the session's CSRF token; every answer is
`Cache-Control: no-store`. German, English with `?lang=en`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiMapping

from displays.board.alert import Placement
from displays.board.notice_rules import serving_of
from displays.notices.alerts import header_and_description
from displays.notices.api import NO_STORE, service_of
from displays.notices.auth import principal_for
from displays.notices.matching import is_active
from displays.notices.model import Cause, Effect, Notice, Severity, Status
from displays.notices.operator_form import (
    form_body,
    form_values,
    gtfs_rt_rendering,
    preview_board,
    with_targets,
)
from displays.notices.operator_text import words
from displays.notices.service import NoticeService
from displays.notices.sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Session,
    csrf_ok,
    open_session,
    session_of,
    set_cookie,
)
from displays.notices.store import StoreUnavailable
from displays.notices.validation import NoticeInvalid
from displays.service.cluster.keys import SESSION_TTL_S
from displays.web.appkeys import JINJA, runtime
from displays.web.http import client_key

log = logging.getLogger(__name__)

routes = web.RouteTableDef()
LOGIN_FAILURES_PER_MIN = 10


async def _form(request: web.Request) -> MultiDict[str]:
    """The posted form's text fields (413 beyond client_max_size; uploads are ignored)."""
    posted = await request.post()
    return MultiDict((k, v) for k, v in posted.items() if isinstance(v, str))


def page_lang(request: web.Request, form: MultiMapping[str] | None = None) -> str:
    raw = (form.get("lang") if form is not None else None) or request.query.get("lang")
    return "en" if raw == "en" else "de"


def render_page(request: web.Request, template: str, lang: str, status: int = 200,
          headers: dict[str, str] | None = None, **context: Any) -> web.Response:
    body = request.app[JINJA].get_template(template).render(lang=lang, t=words(lang), **context)
    return web.Response(text=body, status=status, content_type="text/html",
                        headers={**NO_STORE, **(headers or {})})


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**NO_STORE, "Location": location})


def _login_page(request: web.Request, lang: str, message: str | None = None,
                status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    health = service_of(request).health()
    reset = words(lang)["store_reset"].format(at=health["reset_at"]) if health["reset_at"] \
        else None
    response = render_page(request, "operator_login.html", lang, status, headers, message=message,
                     login_nonce=nonce, reset=reset)
    set_cookie(response, request, LOGIN_COOKIE, nonce, 900)
    return response


def _when(epoch: int | None, request: web.Request) -> str | None:
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, runtime(request.app).tt.zone).strftime(
        "%d.%m.%Y %H:%M")


def _where(request: web.Request, notice: Notice, t: dict[str, Any]) -> str:
    rt = runtime(request.app)
    catalog = service_of(request).targets(rt.tt)
    parts = [t["all"]] if notice.targets.all else []
    selected = [("stops", s) for s in notice.targets.stops]
    selected += [("routes", r.id + (f"|{r.direction}" if r.direction is not None else ""))
                 for r in notice.targets.routes]
    selected += [("displays", d) for d in notice.targets.displays]
    parts += [chip.label for chip in catalog.chips(selected, rt.displays)]
    return ", ".join(parts)


def notice_item(request: web.Request, notice: Notice, lang: str) -> dict[str, Any]:
    t = words(lang)
    header, description = header_and_description(notice, lang)
    return {"id": notice.id, "header": header, "description": description,
            "where": _where(request, notice, t), "from": _when(notice.valid_from, request),
            "until": _when(notice.valid_until, request), "display": t[notice.display.value],
            "priority": notice.priority, "author": notice.author,
            "status": t[notice.status.value], "revision": notice.revision}


def editor(request: web.Request, lang: str, form: MultiMapping[str] | None,
           candidate: Notice | None = None, board: str | None = None) -> dict[str, Any]:
    """What the notice editor shows: the form's values, the chosen targets as chips, search
    results, and — for a valid draft — the affected boards, one board's preview with the draft
    on it (`board`, else the first) and the GTFS-RT rendering."""
    rt = runtime(request.app)
    service = service_of(request)
    catalog = service.targets(rt.tt)
    values = form_values(form)
    query = values.get("q", "").strip()[:100]
    context: dict[str, Any] = {
        "values": values, "chips": catalog.chips(values["selected"], rt.displays),
        "query": query, "found": catalog.search(query, rt.search, rt.displays) if query
        else None, "enums": ENUMS}
    if candidate is not None:
        now = rt.now()
        boards, more = catalog.affected_boards(candidate, rt.displays, serving_of(rt.tt))
        key = board if board in {b.key for b in boards} else (boards[0].key if boards else "")
        context.update(boards=boards, more_boards=more, gtfs_rt=gtfs_rt_rendering(
            rt, candidate, now), preview=preview_board(rt, service, candidate, lang, now, key))
    return context


ENUMS = {"display": [d.value for d in Placement], "cause": [c.value for c in Cause],
         "effect": [e.value for e in Effect], "severity": [s.value for s in Severity]}


def _dashboard(request: web.Request, session: Session, lang: str, *, status: int = 200,
               form: MultiMapping[str] | None = None, errors: list[tuple[str, str]] | None = None,
               message: str | None = None, headers: dict[str, str] | None = None,
               candidate: Notice | None = None, board: str | None = None) -> web.Response:
    rt = runtime(request.app)
    service = service_of(request)
    now = runtime(request.app).now()
    groups: dict[str, list[dict[str, Any]]] = {"active": [], "scheduled": [], "drafts": []}
    for notice in service.current(now):
        group = ("drafts" if notice.status is Status.DRAFT else
                 "active" if is_active(notice, now, rt.tt.zone) else "scheduled")
        groups[group].append(notice_item(request, notice, lang))
    return render_page(request, "operator.html", lang, status, headers, session=session,
                 groups=groups, errors=errors or [], message=message, action="/operator/notices",
                 **editor(request, lang, form, candidate, board))


async def _signed_in(request: web.Request, form: MultiMapping[str]
                     ) -> tuple[NoticeService, Session] | web.Response:
    """The service and session of a form post, or the page to answer instead."""
    service = service_of(request)
    lang = page_lang(request, form)
    session = await session_of(service.store, request)
    if session is None:
        return _login_page(request, lang, words(lang)["expired"], 403)
    if not csrf_ok(session.csrf, form.get("csrf")):
        return _dashboard(request, session, lang, status=403, message=words(lang)["csrf"])
    return service, session


async def signed_in_page(request: web.Request) -> tuple[NoticeService, Session, str]:
    """The service, session and language of a signed-in page view (else to the sign-in)."""
    service = service_of(request)
    lang = page_lang(request)
    session = await session_of(service.store, request)
    if session is None:
        raise web.HTTPSeeOther(f"/operator?lang={lang}")
    return service, session, lang


SignedInHandler = Callable[[web.Request, MultiMapping[str], NoticeService, Session],
                          Awaitable[web.Response]]


def signed_in_post(handler: SignedInHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A form post of a signed-in operator with a valid CSRF token (else the page to answer)."""
    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.Response:
        form = await _form(request)
        checked = await _signed_in(request, form)
        if isinstance(checked, web.Response):
            return checked
        return await handler(request, form, *checked)
    return wrapper


async def rate_limited(request: web.Request, service: NoticeService, session: Session,
                        lang: str) -> web.Response | None:
    rt = runtime(request.app)
    counted, left = await service.store.hit(f"write:{session.principal.token_id}", 60,
                                            rt.settings.write_rate_limit_per_min, rt.now())
    if counted:
        return None
    return _dashboard(request, session, lang, status=429, message=words(lang)["too_many"],
                      headers={"Retry-After": str(max(1, left))})


def store_guarded(handler: Callable[[web.Request], Awaitable[web.Response]]
                  ) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A notice store that is down gives a 503 page, never a 500; nothing is written."""
    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except StoreUnavailable as exc:
            log.error("notice store unavailable: %s", exc)
            raise web.HTTPServiceUnavailable(
                text="Hinweise sind gerade nicht erreichbar, nichts wurde geändert. / "
                     "The notice store is unavailable; nothing was changed.",
                headers={"Retry-After": "10", "Cache-Control": "no-store"}) from exc
    return wrapper


@routes.get("/operator")
@store_guarded
async def operator_page(request: web.Request) -> web.Response:
    service = service_of(request)
    lang = page_lang(request)
    session = await session_of(service.store, request)
    if session is None:
        return _login_page(request, lang)
    done = request.query.get("done")
    message = {"created": words(lang)["created"], "updated": words(lang)["updated_msg"],
               "withdrawn": words(lang)["withdrawn_msg"]}.get(done or "")
    return _dashboard(request, session, lang, message=message)


@routes.post("/operator/login")
@store_guarded
async def sign_in(request: web.Request) -> web.Response:
    service = service_of(request)
    form = await _form(request)
    lang = page_lang(request, form)
    t = words(lang)
    if not csrf_ok(request.cookies.get(LOGIN_COOKIE, ""), form.get("login")):
        return _login_page(request, lang, t["csrf"], 403)
    # failed sign-ins are counted per client (the forwarded address behind a trusted proxy),
    # so one client guessing tokens never locks out another
    bucket = f"login:{client_key(request, runtime(request.app).settings.trusted_proxies)}"
    now = runtime(request.app).now()
    failed, left = await service.store.count(bucket, 60, now)
    if failed >= LOGIN_FAILURES_PER_MIN:
        return _login_page(request, lang, t["too_many"], 429, {"Retry-After": str(left)})
    principal = await principal_for(service.store, str(form.get("token", "")))
    if principal is None:
        await service.store.hit(bucket, 60, LOGIN_FAILURES_PER_MIN, now)
        log.warning("operator sign-in refused from %s: unknown or revoked token",
                    client_key(request, runtime(request.app).settings.trusted_proxies))
        return _login_page(request, lang, t["bad_token"], 403)
    session = await open_session(service.store, principal)
    log.info("operator %r (token %s, %s) signed in from %s", principal.name,
             principal.token_id, principal.role.value,
             client_key(request, runtime(request.app).settings.trusted_proxies))
    response = see_other(f"/operator?lang={lang}")
    set_cookie(response, request, SESSION_COOKIE, session.id, SESSION_TTL_S)
    response.del_cookie(LOGIN_COOKIE, path="/operator")
    return response


@routes.post("/operator/logout")
@store_guarded
@signed_in_post
async def sign_out(request: web.Request, form: MultiMapping[str], service: NoticeService,
                   session: Session) -> web.Response:
    await service.store.delete_session(session.id)
    log.info("operator %r (token %s) signed out", session.principal.name,
             session.principal.token_id)
    response = see_other(f"/operator?lang={page_lang(request, form)}")
    response.del_cookie(SESSION_COOKIE, path="/operator")
    return response


@routes.post("/operator/notices")
@store_guarded
@signed_in_post
async def create_from_form(request: web.Request, form: MultiMapping[str], service: NoticeService,
                           session: Session) -> web.Response:
    lang = page_lang(request, form)
    step = editor_step(form)
    form = step.form
    if step.kind == "edit":                 # a search, or a target added or removed
        return _dashboard(request, session, lang, form=form)
    try:
        candidate = service.validate_new(form_body(form), session.principal,
                                         runtime(request.app).now())
        if step.kind == "preview":
            return _dashboard(request, session, lang, form=form, candidate=candidate,
                              board=step.board)
        if (limited := await rate_limited(request, service, session, lang)) is not None:
            return limited
        await service.create(form_body(form), session.principal, "operator")
    except NoticeInvalid as exc:
        return _dashboard(request, session, lang, status=422, form=form, errors=exc.errors)
    return see_other(f"/operator?lang={lang}&done=created")


@dataclass(frozen=True)
class EditorStep:
    kind: str                 # "edit" (search, add, remove) | "preview" | "save"
    form: MultiMapping[str]   # the form with the target added or removed
    board: str | None = None  # the board to preview


def editor_step(form: MultiMapping[str]) -> EditorStep:
    """What a post of the notice editor asks for (the button pressed)."""
    add, remove = form.get("add"), form.get("remove")
    if add or remove:
        return EditorStep("edit", with_targets(form, add, remove))
    if form.get("preview_board"):
        return EditorStep("preview", form, str(form["preview_board"]))
    action = form.get("action")
    if action == "preview":
        return EditorStep("preview", form)
    if action in ("create", "save"):
        return EditorStep("save", form)
    return EditorStep("edit", form)         # "search", or Enter in the search field
