"""The operator page: sign in with a token, session cookie, CSRF, create, preview, withdraw."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.instants import suite_settings
from tests.notices.conftest import SCHILLER, Service


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match is not None, f"no hidden field {name}"
    return match[1]


async def sign_in(svc: Service, token: str) -> str:
    """Sign in through the form; return the dashboard HTML."""
    login = await svc.client.get("/operator")
    response = await svc.client.post("/operator/login", data={
        "login": hidden(await login.text(), "login"), "token": token, "lang": "de"},
        allow_redirects=False)
    assert response.status == 303, await response.text()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/operator" in cookie
    assert token not in cookie and token.split(".")[2] not in cookie
    page = await svc.client.get("/operator")
    assert page.status == 200
    return await page.text()


def form(csrf: str, **extra: Any) -> dict[str, Any]:
    return {"csrf": csrf, "lang": "de", "text_de": "Aufzug am Schillerplatz außer Betrieb",
            "stops": SCHILLER, "priority": "2", "display": "ticker", "cause": "TECHNICAL_PROBLEM",
            "effect": "ACCESSIBILITY_ISSUE", "severity": "INFO", "status": "published",
            "action": "create", **extra}


async def test_login_page_is_safe_and_uncached(service: Service) -> None:
    response = await service.client.get("/operator")
    html = await response.text()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in html and " style=" not in html and 'lang="de"' in html
    english = await (await service.client.get("/operator?lang=en")).text()
    assert 'lang="en"' in english and "Sign in" in english


async def test_sign_ins_are_logged_without_secrets(service: Service, caplog: Any) -> None:
    import logging
    with caplog.at_level(logging.INFO, logger="displays.notices.operator"):
        login = await service.client.get("/operator")
        await service.client.post("/operator/login", data={
            "login": hidden(await login.text(), "login"), "token": "abf.x.geheim"})
        await sign_in(service, service.operator)
    lines = [r.getMessage() for r in caplog.records]
    assert any("operator sign-in refused from" in line for line in lines), lines
    assert any("operator 'Disposition' (token " in line and "signed in from" in line
               for line in lines), lines
    assert "geheim" not in caplog.text and service.operator.split(".")[2] not in caplog.text


async def test_wrong_token_and_login_csrf(service: Service) -> None:
    login = await service.client.get("/operator")
    nonce = hidden(await login.text(), "login")
    wrong = await service.client.post("/operator/login", data={"login": nonce, "token": "abf.x.y"})
    assert wrong.status == 403
    assert "abfahrt_operator" not in wrong.headers.get("Set-Cookie", "")
    forged = await service.client.post("/operator/login", data={"login": "forged",
                                                                "token": service.operator})
    assert forged.status == 403
    assert "abfahrt_operator" not in {c.key for c in service.client.session.cookie_jar}


async def test_create_preview_and_withdraw(service: Service) -> None:
    html = await sign_in(service, service.operator)
    assert "Disposition" in html and "Schillerplatz" not in html     # no list of every stop
    csrf = hidden(html, "csrf")
    preview = await service.client.post("/operator/notices", data=form(csrf, action="preview"))
    preview_html = await preview.text()
    assert preview.status == 200 and "Vorschau der Anzeige" in preview_html
    assert "Aufzug am Schillerplatz außer Betrieb" in preview_html
    assert (await (await service.client.get("/api/v1/notices")).json())["notices"] == []
    created = await service.client.post("/operator/notices", data=form(csrf),
                                        allow_redirects=False)
    assert created.status == 303
    [notice] = (await (await service.client.get("/api/v1/notices")).json())["notices"]
    assert notice["targets"]["stops"] == [SCHILLER] and notice["priority"] == 2
    board = await (await service.client.get(f"/api/v1/stops/{SCHILLER}/departures")).json()
    assert notice["id"] in [a["id"] for a in board["alerts"]]
    page = await (await service.client.get("/operator")).text()
    assert "Aufzug am Schillerplatz" in page and "/withdraw" in page
    confirm = await (await service.client.get(f"/operator/notices/{notice['id']}/withdraw")
                     ).text()
    withdrawn = await service.client.post(f"/operator/notices/{notice['id']}/withdraw",
                                          data={"csrf": csrf,
                                                "revision": hidden(confirm, "revision")},
                                          allow_redirects=False)
    assert withdrawn.status == 303
    assert (await (await service.client.get("/api/v1/notices")).json())["notices"] == []
    audit = await (await service.client.get("/api/v1/audit",
                                            headers=service.auth("admin"))).json()
    assert [(r["action"], r["via"]) for r in audit["audit"][:2]] == [
        ("withdraw", "operator"), ("create", "operator")]


async def test_csrf_is_required(service: Service) -> None:
    html = await sign_in(service, service.operator)
    csrf = hidden(html, "csrf")
    for token in ("", "x" * len(csrf)):
        response = await service.client.post("/operator/notices", data=form(token))
        assert response.status == 403
    assert (await (await service.client.get("/api/v1/notices")).json())["notices"] == []


async def test_invalid_form_keeps_the_input(service: Service) -> None:
    csrf = hidden(await sign_in(service, service.operator), "csrf")
    response = await service.client.post("/operator/notices", data=form(
        csrf, url="javascript:alert(1)", text_en="Lift out of order"))
    html = await response.text()
    assert response.status == 422 and "<code>url</code>" in html
    assert "Lift out of order" in html and "Aufzug am Schillerplatz" in html
    assert 'href="javascript:' not in html


async def test_without_session_nothing_is_written(service: Service) -> None:
    response = await service.client.post("/operator/notices", data=form("x"))
    assert response.status == 403
    assert (await (await service.client.get("/api/v1/notices")).json())["notices"] == []


async def test_sign_out_ends_the_session(service: Service) -> None:
    html = await sign_in(service, service.operator)
    out = await service.client.post("/operator/logout", data={"csrf": hidden(html, "csrf")},
                                    allow_redirects=False)
    assert out.status == 303
    page = await (await service.client.get("/operator")).text()
    assert 'name="token"' in page                               # the sign-in form again


async def test_operator_pages_answer_503_while_the_notice_store_is_down(
        aiohttp_client: Any, tmp_path: Path) -> None:
    from displays.app import create_app
    from tests.redis_server import free_port
    client = await aiohttp_client(create_app(suite_settings(
        data_dir=tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0")))
    page = await client.get("/operator", cookies={"abfahrt_operator": "x" * 40})
    login = await client.post("/operator/login", data={"login": "n", "token": "abf.a.b"},
                              cookies={"abfahrt_login": "n"})
    for response in (page, login):
        assert response.status == 503
        assert response.headers["Retry-After"] == "10"
        assert response.headers["Cache-Control"] == "no-store"
        assert "nichts wurde geändert" in await response.text()
    api = await client.get("/api/v1/notices", headers={"Authorization": "Bearer abf.a.b"})
    assert api.status == 503


async def _loaded_notice(service: Service) -> tuple[str, str, str]:
    """A notice created through the form and its page as an operator loads it: (csrf, id,
    the page's HTML, which carries revision 1)."""
    csrf = hidden(await sign_in(service, service.operator), "csrf")
    created = await service.client.post("/operator/notices", data=form(csrf),
                                        allow_redirects=False)
    assert created.status == 303
    [notice] = (await (await service.client.get("/api/v1/notices")).json())["notices"]
    page = await (await service.client.get(f"/operator/notices/{notice['id']}")).text()
    assert hidden(page, "revision") == "1"
    return csrf, notice["id"], page


async def _changed_by_colleague(service: Service, notice_id: str) -> None:
    response = await service.client.patch(
        f"/api/v1/notices/{notice_id}", json={"text": {"de": "Aufzug ab 15 Uhr wieder da"}},
        headers={**service.auth(), "If-Match": '"1"'})
    assert response.status == 200


async def test_a_search_keeps_the_revision_the_form_was_loaded_with(service: Service) -> None:
    """Operator A loads revision 1, B changes it, A searches and adds a chip, then saves:
    the save must be refused as a conflict, B's text stays (no lost update)."""
    csrf, notice_id, _ = await _loaded_notice(service)
    await _changed_by_colleague(service, notice_id)
    mine = form(csrf, action="search", q="Höfchen", revision="1",
                text_de="Aufzug am Schillerplatz heute außer Betrieb")
    searched = await service.client.post(f"/operator/notices/{notice_id}", data=mine)
    assert searched.status == 200
    assert hidden(await searched.text(), "revision") == "1"      # not the store's 2
    added = await service.client.post(f"/operator/notices/{notice_id}", data={
        **mine, "action": "", "add": "stops:de:07315:1003"})
    assert hidden(await added.text(), "revision") == "1"
    previewed = await service.client.post(f"/operator/notices/{notice_id}",
                                          data={**mine, "action": "preview"})
    assert hidden(await previewed.text(), "revision") == "1"
    saved = await service.client.post(f"/operator/notices/{notice_id}",
                                      data={**mine, "action": "save"}, allow_redirects=False)
    html = await saved.text()
    assert saved.status == 409 and "inzwischen geändert" in html
    assert "Aufzug am Schillerplatz heute außer Betrieb" in html       # A's typing is kept
    stored = await (await service.client.get(f"/api/v1/notices/{notice_id}",
                                             headers=service.auth())).json()
    assert stored["revision"] == 2 and stored["text"]["de"] == "Aufzug ab 15 Uhr wieder da"


async def test_a_form_without_a_valid_revision_writes_nothing(service: Service) -> None:
    csrf, notice_id, _ = await _loaded_notice(service)
    await _changed_by_colleague(service, notice_id)
    for revision in (None, "", "zwei", "-1", "1.0"):
        data = form(csrf, action="save", text_de="Überschrieben?")
        if revision is not None:
            data["revision"] = revision
        saved = await service.client.post(f"/operator/notices/{notice_id}", data=data,
                                          allow_redirects=False)
        assert saved.status in (400, 409), (revision, saved.status)
        withdrawn = await service.client.post(
            f"/operator/notices/{notice_id}/withdraw", allow_redirects=False,
            data={"csrf": csrf, **({"revision": revision} if revision is not None else {})})
        assert withdrawn.status in (400, 409), (revision, withdrawn.status)
    stale = await service.client.post(f"/operator/notices/{notice_id}/withdraw",
                                      data={"csrf": csrf, "revision": "1"},
                                      allow_redirects=False)
    assert stale.status == 409
    stored = await (await service.client.get(f"/api/v1/notices/{notice_id}",
                                             headers=service.auth())).json()
    assert stored["revision"] == 2 and stored["status"] == "published"
    assert stored["text"]["de"] == "Aufzug ab 15 Uhr wieder da"


async def test_a_form_instant_out_of_range_is_named_not_a_500(service: Service) -> None:
    csrf = hidden(await sign_in(service, service.operator), "csrf")
    for action in ("preview", "create"):
        response = await service.client.post("/operator/notices", data=form(
            csrf, action=action, valid_from="0001-01-01T00:00"))
        assert response.status == 422 and "<code>valid_from</code>" in await response.text()
    assert (await (await service.client.get("/api/v1/notices")).json())["notices"] == []


async def test_non_ascii_csrf_and_login_nonces_are_refused_not_a_500(service: Service) -> None:
    nonces = ("ä", "äöü" + "x" * 40, "\u202e")
    for nonce in nonces:
        await service.client.get("/operator")                  # sets the login cookie
        login = await service.client.post("/operator/login", data={
            "login": nonce, "token": service.operator})
        assert login.status == 403, await login.text()
    _, notice_id, _ = await _loaded_notice(service)
    for nonce in nonces:
        for path in ("/operator/notices", f"/operator/notices/{notice_id}",
                     f"/operator/notices/{notice_id}/withdraw", "/operator/logout"):
            response = await service.client.post(path, data={
                **form(nonce, action="save"), "revision": "1"}, allow_redirects=False)
            assert response.status == 403, (path, response.status)
    page = await service.client.get("/operator")                 # still signed in
    assert 'name="token"' not in await page.text()
    stored = await (await service.client.get(f"/api/v1/notices/{notice_id}",
                                             headers=service.auth())).json()
    assert stored["revision"] == 1 and stored["status"] == "published"


async def test_failed_sign_ins_are_limited_on_the_service_clock(service: Service) -> None:
    from displays.notices.operator import LOGIN_FAILURES_PER_MIN
    from displays.service.clock import FakeClock
    from displays.web.appkeys import runtime
    from tests.instants import SUITE_AT
    clock = FakeClock(SUITE_AT)
    runtime(service.client.app).clock = clock

    async def attempt(token: str) -> int:
        login = await service.client.get("/operator")
        response = await service.client.post("/operator/login", data={
            "login": hidden(await login.text(), "login"), "token": token},
            allow_redirects=False)
        return response.status

    assert [await attempt("abf.x.falsch") for _ in range(LOGIN_FAILURES_PER_MIN)] == [
        403] * LOGIN_FAILURES_PER_MIN
    clock.advance(59)
    assert await attempt(service.operator) == 429          # even the right token must wait
    clock.advance(1)
    assert await attempt(service.operator) == 303


async def test_a_withdrawn_notice_cannot_be_saved_back(service: Service) -> None:
    csrf, notice_id, _ = await _loaded_notice(service)
    confirm = await (await service.client.get(f"/operator/notices/{notice_id}/withdraw")).text()
    withdrawn = await service.client.post(f"/operator/notices/{notice_id}/withdraw", data={
        "csrf": csrf, "revision": hidden(confirm, "revision")}, allow_redirects=False)
    assert withdrawn.status == 303
    page = await (await service.client.get(f"/operator/notices/{notice_id}")).text()
    saved = await service.client.post(f"/operator/notices/{notice_id}", data=form(
        csrf, action="save", revision=hidden(page, "revision")), allow_redirects=False)
    assert saved.status == 409
    stored = await (await service.client.get(f"/api/v1/notices/{notice_id}",
                                             headers=service.auth())).json()
    assert stored["status"] == "withdrawn" and stored["revision"] == 2


async def test_the_preview_shows_the_draft_however_it_is_displayed(service: Service) -> None:
    csrf = hidden(await sign_in(service, service.operator), "csrf")
    for display in ("alternate", "ticker", "takeover"):
        text = f"Linie 54 fällt heute ab 14 Uhr aus ({display})."
        response = await service.client.post("/operator/notices", data=form(
            csrf, action="preview", display=display, text_de=text))
        html = await response.text()
        assert response.status == 200
        board = re.search(r'<div class="op-board"(.*?)<details class="op-gtfs"', html, re.S)
        assert board is not None and text in board[1], (display, board)
