"""The notice editor and the fleet view over HTTP: labels in both languages, the search's
results and chips, what a preview frame does not count as, who may see the fleet."""

from __future__ import annotations

import re

from tests.displays.pillar_keys import demo_key
from tests.notices.conftest import HBF, Service
from tests.notices.test_operator import hidden, sign_in


async def test_labels_are_words_in_both_languages(service: Service) -> None:
    german = await sign_in(service, service.operator)
    assert ">Baustelle</option>" in german and ">Warnung</option>" in german
    assert 'value="WARNING" selected' in german and 'value="UNKNOWN_EFFECT" selected' in german
    assert ">CONSTRUCTION<" not in german and ">UNKNOWN_SEVERITY<" not in german
    english = await (await service.client.get("/operator?lang=en")).text()
    assert ">construction</option>" in english and ">stop moved</option>" in english


async def test_search_finds_stops_routes_and_displays_and_keeps_the_form(
        service: Service) -> None:
    csrf = hidden(await sign_in(service, service.operator), "csrf")
    found = await (await service.client.post("/operator/notices", data={
        "csrf": csrf, "lang": "de", "text_de": "Umleitung", "q": "hbf",
        "action": "search"})).text()
    assert f'value="stops:{HBF}"' in found and 'value="displays:hbf-tram"' in found
    assert "Umleitung" in found and 'aria-live="polite"' in found
    routes = await (await service.client.post("/operator/notices", data={
        "csrf": csrf, "lang": "de", "q": "Hechtsheim", "action": "search"})).text()
    assert 'value="routes:50|0"' in routes and "→ Hechtsheim/Bürgerhaus" in routes
    nothing = await (await service.client.post("/operator/notices", data={
        "csrf": csrf, "lang": "de", "q": "qqqq", "action": "search"})).text()
    assert "Nichts gefunden" in nothing
    chips = await (await service.client.post("/operator/notices", data=[
        ("csrf", csrf), ("lang", "de"), ("stops", HBF), ("add", "routes:50|1")])).text()
    assert f'name="stops" value="{HBF}"' in chips and 'name="routes" value="50|1"' in chips
    assert "50 → Finthen/Poststraße" in chips
    removed = await (await service.client.post("/operator/notices", data=[
        ("csrf", csrf), ("lang", "de"), ("stops", HBF), ("routes", "50|1"),
        ("remove", f"stops:{HBF}")])).text()
    assert f'name="stops" value="{HBF}"' not in removed and 'value="50|1"' in removed


async def test_only_the_pillar_itself_counts_as_its_poll(service: Service) -> None:
    """A rider, a crawler or the fleet view's frame opening /displays/{id} must not make a
    dark pillar look online; the pillar proves itself with its key from displays.toml. The
    address it polls from is shown only to signed-in operators."""
    async def listed() -> dict[str, dict[str, object]]:
        body = await (await service.client.get("/api/v1/displays")).json()
        return {d["id"]: d for d in body["displays"]}

    key = demo_key("hbf-tram")
    for path in ("/displays/hbf-tram", "/displays/hbf-tram.txt", "/api/v1/displays/hbf-tram",
                 "/displays/hbf-tram?key=wrong", f"/displays/hbf-tram?preview=1&key={key}",
                 f"/displays/schillerplatz-50?key={key}", "/displays/hbf-tram?key=ä"):
        assert (await service.client.get(path)).status == 200, path
    assert all(d["last_contact"] is None and d["online"] is False
               for d in (await listed()).values())
    page = await service.client.get("/displays/hbf-tram?preview=1")
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert (await service.client.get(f"/displays/hbf-tram?key={key}")).status == 200
    shown = (await listed())["hbf-tram"]
    assert shown["last_contact"] and shown["online"] is True and shown["polls_last_hour"] == 1
    assert all("address" not in d for d in (await listed()).values())    # not published
    await sign_in(service, service.operator)
    fleet = await (await service.client.get("/operator/displays")).text()
    row = re.search(r'id="display-hbf-tram"(.*?)</tr>', fleet, re.S)
    assert row is not None and "127.0.0.1" in row[1]
    assert key not in fleet


async def test_the_fleet_view_needs_a_session(service: Service) -> None:
    response = await service.client.get("/operator/displays", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/operator")
    await sign_in(service, service.operator)
    fleet = await service.client.get("/operator/displays?state=offline&q=h%C3%B6fchen")
    html = await fleet.text()
    assert fleet.status == 200 and fleet.headers["Cache-Control"] == "no-store"
    assert 'id="display-hoefchen-epaper"' in html and 'id="display-hbf-tram"' not in html
    assert 'loading="lazy"' in html and "<script" not in html
