"""GTFS-RT alert texts are as untrusted as operator notices: the OWASP cheat-sheet payloads in
an upstream alert's header and description stay inert in pillar HTML, text and JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import escape

from displays.app import create_app
from displays.service.jobs import refresh_boards
from displays.web.appkeys import runtime
from realtime.encode import encode_feed_dict
from realtime.parse import parse_feed
from tests.instants import suite_settings
from tests.notices.test_xss import PAYLOADS, assert_inert

HBF = "de:07315:1001"


async def test_upstream_alert_payloads_are_inert(aiohttp_client: Any, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(suite_settings(data_dir=tmp_path)))
    rt = runtime(client.app)
    now = rt.now()
    feed = {"header": {"gtfsRealtimeVersion": "2.0", "timestamp": str(now)},
            "entity": [{"id": f"xss-{i}", "alert": {
                "informedEntity": [{"stopId": HBF}],
                "headerText": {"translation": [{"text": payload, "language": "de"}]},
                "descriptionText": {"translation": [{"text": payload, "language": "de"}]},
                "url": {"translation": [{"text": "javascript:alert(1)"}]}}}
                for i, payload in enumerate(PAYLOADS)]}
    rt.realtime.state = rt.realtime.state.apply("hostile", parse_feed(encode_feed_dict(feed)),
                                                rt.tt)
    rt.cache.invalidate("*")
    await refresh_boards(rt)

    document = await (await client.get(f"/api/v1/stops/{HBF}/departures")).json()
    headers = {a["header"] for a in document["alerts"] if a["id"].startswith("xss-")}
    assert headers == set(PAYLOADS)                       # kept as plain text, unaltered
    for path in (f"/stops/{HBF}", f"/stops/{HBF}?lang=en", f"/stops/{HBF}?theme=epaper",
                 "/displays/hbf-tram"):
        response = await client.get(path)
        page = await response.text()
        assert response.status == 200 and response.content_type == "text/html"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert_inert(page)
        if path.startswith("/stops/"):
            assert str(escape(PAYLOADS[5])) in page       # shown, escaped
    text = await client.get(f"/stops/{HBF}.txt", params={"width": "200"})
    assert text.content_type == "text/plain"
    assert text.headers["X-Content-Type-Options"] == "nosniff"
