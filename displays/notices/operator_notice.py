"""One notice on the operator page (/operator/notices/{id}): what it says and where, its history
from the audit log, the editor to change any field (with the revision it was loaded at, so a
change someone made meanwhile is shown, never overwritten), and withdrawing after a
confirmation page.

The editor's form carries the revision the operator loaded. Searches, chips and previews post
the form back and keep that revision (never the store's current one); a save or withdrawal
names it, and the store refuses it when someone changed the notice meanwhile (409, the
conflict page). A form without a valid revision writes nothing (400). Only a conflict or that
400 page hands out the current revision — after showing the operator the current state.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiMapping

from displays.notices.api import service_of
from displays.notices.model import Notice
from displays.notices.operator import (
    editor,
    editor_step,
    notice_item,
    page_lang,
    rate_limited,
    render_page,
    see_other,
    signed_in_page,
    signed_in_post,
    store_guarded,
)
from displays.notices.operator_form import form_body, notice_form, replacement
from displays.notices.operator_text import words
from displays.notices.service import (
    NoticeNotFound,
    NoticeService,
    NoticeWithdrawn,
    RevisionMismatch,
)
from displays.notices.sessions import Session
from displays.notices.store import Record
from displays.notices.validation import NoticeInvalid
from displays.web.appkeys import runtime

routes = web.RouteTableDef()
HISTORY_FIELDS = ("text", "header", "audio_text", "targets", "valid_from", "valid_until",
                  "weekdays", "daily", "priority", "display", "cause", "effect", "severity",
                  "url", "status")


def history(records: list[Record], lang: str) -> list[dict[str, Any]]:
    """The audit records of a notice, newest first: when, who, what, which fields changed."""
    t = words(lang)
    out = []
    for record in records:
        before, after = record.get("before") or {}, record.get("after") or {}
        changed = [f for f in HISTORY_FIELDS if before and before.get(f) != after.get(f)]
        out.append({"at": str(record.get("at", ""))[:16].replace("T", " "),
                    "who": (record.get("actor") or {}).get("name", ""),
                    "what": t.get(f"action_{record.get('action')}", record.get("action")),
                    "changed": changed, "revision": after.get("revision")})
    return out


def form_revision(form: MultiMapping[str]) -> int | None:
    """The revision a posted form names (None when it names none, or something else)."""
    raw = str(form.get("revision", "")).strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) < 1:
        return None
    return int(raw)


async def _notice_page(request: web.Request, session: Session, notice: Notice, lang: str, *,
                       revision: int | None = None,
                       form: MultiMapping[str] | None = None, status: int = 200,
                       errors: list[tuple[str, str]] | None = None, message: str | None = None,
                       candidate: Notice | None = None, board: str | None = None
                       ) -> web.Response:
    service = service_of(request)
    rt = runtime(request.app)
    form = form if form is not None else notice_form(notice, rt.tt.zone)
    context = editor(request, lang, form, candidate, board)
    # the revision the form was loaded with; the notice's own only when loaded afresh
    context["values"]["revision"] = str(notice.revision if revision is None else revision)
    return render_page(request, "operator_notice.html", lang, status, session=session,
                 notice=notice_item(request, notice, lang), errors=errors or [], message=message,
                 history=history(await service.history(notice.id), lang),
                 action=f"/operator/notices/{notice.id}", **context)


async def _stored(service: NoticeService, notice_id: str) -> Notice:
    try:
        return await service.stored(notice_id[:64])
    except NoticeNotFound:
        raise web.HTTPNotFound(text="no such notice / kein solcher Hinweis") from None


@routes.get("/operator/notices/{notice_id}")
@store_guarded
async def notice_page(request: web.Request) -> web.Response:
    service, session, lang = await signed_in_page(request)
    notice = await _stored(service, request.match_info["notice_id"])
    message = words(lang)["updated_msg"] if request.query.get("done") == "updated" else None
    return await _notice_page(request, session, notice, lang, message=message)


@routes.post("/operator/notices/{notice_id}")
@store_guarded
@signed_in_post
async def edit_from_form(request: web.Request, form: MultiMapping[str], service: NoticeService,
                         session: Session) -> web.Response:
    lang = page_lang(request, form)
    current = await _stored(service, request.match_info["notice_id"])
    step = editor_step(form)
    form = step.form
    loaded = form_revision(form)
    if loaded is None:              # never fall back to the store's revision: nothing written
        return await _notice_page(request, session, current, lang, form=form, status=400,
                                  message=words(lang)["no_revision"])
    if step.kind == "edit":
        return await _notice_page(request, session, current, lang, revision=loaded, form=form)
    body = form_body(form)
    try:
        candidate = service.validate_update(current, replacement(body), service.rt.now())
        if step.kind == "preview":
            return await _notice_page(request, session, current, lang, revision=loaded,
                                      form=form, candidate=candidate, board=step.board)
        if (limited := await rate_limited(request, service, session, lang)) is not None:
            return limited
        await service.update(current.id, replacement(body), session.principal, "operator",
                             (loaded,))
    except NoticeInvalid as exc:
        return await _notice_page(request, session, current, lang, revision=loaded,
                                  form=form, status=422, errors=exc.errors)
    except RevisionMismatch as exc:
        # someone changed it meanwhile: show theirs, keep ours in the form, nothing written
        return await _notice_page(request, session, exc.current or current, lang, form=form,
                                  status=409, message=words(lang)["conflict"])
    except NoticeWithdrawn as exc:          # withdrawal is final: nothing written
        return await _notice_page(request, session, exc.current, lang, form=form,
                                  status=409, message=words(lang)["withdrawn_final"])
    return see_other(f"/operator/notices/{current.id}?lang={lang}&done=updated")


@routes.get("/operator/notices/{notice_id}/withdraw")
@store_guarded
async def confirm_withdraw(request: web.Request) -> web.Response:
    """Withdrawing asks first: a page naming the notice, with the button that does it."""
    service, session, lang = await signed_in_page(request)
    notice = await _stored(service, request.match_info["notice_id"])
    return render_page(request, "operator_withdraw.html", lang, session=session,
                 notice=notice_item(request, notice, lang))


@routes.post("/operator/notices/{notice_id}/withdraw")
@store_guarded
@signed_in_post
async def withdraw_from_form(request: web.Request, form: MultiMapping[str],
                             service: NoticeService, session: Session) -> web.Response:
    lang = page_lang(request, form)
    if (limited := await rate_limited(request, service, session, lang)) is not None:
        return limited
    notice = await _stored(service, request.match_info["notice_id"])
    revision = form_revision(form)
    if revision is None:            # never withdraw whatever the store holds now
        return await _notice_page(request, session, notice, lang, status=400,
                                  message=words(lang)["no_revision"])
    try:
        await service.withdraw(notice.id, session.principal, "operator", (revision,))
    except RevisionMismatch as exc:
        return await _notice_page(request, session, exc.current or notice, lang, status=409,
                                  message=words(lang)["conflict"])
    return see_other(f"/operator?lang={lang}&done=withdrawn")
