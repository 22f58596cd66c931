"""Hostile notice text (OWASP XSS filter evasion cheat sheet) stays inert everywhere."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from markupsafe import escape

from tests.notices.conftest import SCHILLER, Service

PAYLOADS = [
    "<SCRIPT SRC=https://cdn.jsdelivr.net/gh/Moksh45/host-xss.rocks/index.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114"
    "&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"
    "&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<svg/onload=alert('XSS')>",
    "\"><script>alert(document.cookie)</script>",
    "<a href=\"javascript:alert(1)\">Fahrplan</a>",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<BODY ONLOAD=alert('XSS')>",
    "';alert(String.fromCharCode(88,83,83))//\";alert(String.fromCharCode(88,83,83))//"
    "--></SCRIPT>\">'><SCRIPT>alert(String.fromCharCode(88,83,83))</SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "javascript:/*--></title></style></textarea></script></xmp>"
    "<svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
]
SAFE_SCRIPTS = {"/static/board.js"}


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_inert(page: str) -> None:
    parser = Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in ("img", "svg", "iframe", "object", "embed"), tag
        if tag == "a":                          # only the page's own links
            assert all((v or "").startswith(("/", "?", "#")) for k, v in attrs if k == "href")
        if tag == "script":
            assert dict(attrs).get("src") in SAFE_SCRIPTS
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith(("javascript:", "data:")), value
    assert tag_count(parser, "body") == 1


def tag_count(parser: Tags, name: str) -> int:
    return sum(1 for tag, _ in parser.tags if tag == name)


async def post_all(svc: Service) -> list[dict[str, Any]]:
    created = []
    for i, payload in enumerate(PAYLOADS):
        response = await svc.client.post("/api/v1/notices", headers=svc.auth("admin"), json={
            "text": {"de": payload, "en": payload}, "audio_text": {"de": payload},
            "targets": {"stops": [SCHILLER]}, "display": "takeover" if i % 2 else "ticker"})
        assert response.status == 201, await response.text()
        created.append(await response.json())
    return created


async def test_payloads_are_inert_in_html_text_and_json(service: Service) -> None:
    created = await post_all(service)
    assert [n["text"]["de"] for n in created] == PAYLOADS           # stored as plain text
    for path in (f"/stops/{SCHILLER}", f"/stops/{SCHILLER}?lang=en",
                 "/displays/schillerplatz-50"):
        response = await service.client.get(path)
        page = await response.text()
        assert response.content_type == "text/html"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert_inert(page)
        assert str(escape(PAYLOADS[5])) in page           # shown, escaped
    text = await service.client.get(f"/stops/{SCHILLER}.txt")
    assert text.content_type == "text/plain"
    assert text.headers["X-Content-Type-Options"] == "nosniff"
    assert "<svg/onload=alert('XSS')>" in await text.text()          # literal text, not HTML
    board = await service.client.get(f"/api/v1/stops/{SCHILLER}/departures")
    assert board.content_type == "application/json"
    headers = {a["header"] for a in (await board.json())["alerts"]}
    assert set(PAYLOADS) <= headers | {p.split("\n")[0] for p in PAYLOADS}


async def test_payloads_are_inert_on_the_operator_page(service: Service) -> None:
    await post_all(service)
    login = await service.client.get("/operator")
    nonce = login.cookies["abfahrt_login"].value
    await service.client.post("/operator/login", data={"login": nonce,
                                                       "token": service.operator})
    page = await service.client.get("/operator")
    body = await page.text()
    assert "Disposition" in body
    assert_inert(body)


@pytest.mark.parametrize("url", ["javascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>",
                                 "  JAVASCRIPT:alert(1)", "http://example.org"])
async def test_unsafe_links_are_rejected(service: Service, url: str) -> None:
    response = await service.client.post("/api/v1/notices", headers=service.auth(), json={
        "text": {"de": "Info"}, "targets": {"all": True}, "url": url})
    assert response.status == 422
    assert (await response.json())["error"]["field"] == "url"
