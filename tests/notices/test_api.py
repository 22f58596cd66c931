"""The notices API over the real app: auth, validation, boards, ETags, audit, limits."""

from __future__ import annotations

from typing import Any

from google.transit import gtfs_realtime_pb2 as pb

from displays.notices.api import NOTICES
from displays.service.clock import FakeClock
from displays.web.appkeys import runtime
from tests.instants import SUITE_AT, suite_settings
from tests.notices.conftest import HBF, HOEFCHEN, SCHILLER, Service, add_tokens, eventually

NOTICE = {"text": {"de": "Baustelle am Schillerplatz\nErsatzhaltestelle in der Ludwigsstraße",
                   "en": "Works at Schillerplatz"},
          "targets": {"stops": [SCHILLER]}, "display": "takeover", "priority": 1,
          "cause": "CONSTRUCTION", "effect": "STOP_MOVED", "severity": "WARNING"}


async def post(svc: Service, body: Any, role: str = "operator") -> Any:
    return await svc.client.post("/api/v1/notices", json=body, headers=svc.auth(role))


async def board(svc: Service, path: str) -> tuple[str, dict[str, Any]]:
    response = await svc.client.get(path)
    assert response.status == 200
    return response.headers["ETag"], await response.json()


def at_revision(headers: dict[str, str], revision: int) -> dict[str, str]:
    """`headers` with If-Match naming a notice's revision (its ETag)."""
    return {**headers, "If-Match": f'"{revision}"'}


def operator_ids(document: dict[str, Any]) -> list[str]:
    return [a["id"] for a in document["alerts"] if a["source"] == "operator"]


async def test_post_shows_on_matching_boards_only(service: Service) -> None:
    stop_path = f"/api/v1/stops/{SCHILLER}/departures"
    etag_before, _ = await board(service, "/api/v1/displays/schillerplatz-50")
    response = await post(service, NOTICE)
    assert response.status == 201
    created = await response.json()
    assert response.headers["Location"] == f"/api/v1/notices/{created['id']}"
    assert response.headers["Cache-Control"] == "no-store"
    assert created["status"] == "published" and created["author"] == "Disposition"
    assert created["valid_until"] is None and created["valid_from"].endswith(("+01:00",
                                                                             "+02:00"))
    _, document = await board(service, stop_path)
    [alert] = [a for a in document["alerts"] if a["source"] == "operator"]
    assert alert == {"id": created["id"], "header": "Baustelle am Schillerplatz",
                     "description": "Ersatzhaltestelle in der Ludwigsstraße",
                     "effect": "STOP_MOVED", "severity": "WARNING", "source": "operator",
                     "display": "takeover", "priority": 1,
                     "audio": "Baustelle am Schillerplatz. Ersatzhaltestelle in der Ludwigsstraße",
                     "lang": "de", "audio_lang": "de"}
    _, english = await board(service, stop_path + "?lang=en")
    assert [a["header"] for a in english["alerts"] if a["source"] == "operator"] == [
        "Works at Schillerplatz"]
    etag_after, display = await board(service, "/api/v1/displays/schillerplatz-50")
    assert etag_after != etag_before and operator_ids(display) == [created["id"]]
    _, other = await board(service, "/api/v1/displays/hoefchen-epaper")
    assert operator_ids(other) == []
    for stop in (HBF, HOEFCHEN, f"{SCHILLER}:1"):
        _, document = await board(service, f"/api/v1/stops/{stop}/departures")
        assert operator_ids(document) == ([created["id"]] if stop.startswith(SCHILLER) else [])


async def test_pillar_html_and_text_show_it(service: Service) -> None:
    await post(service, NOTICE)
    html = await (await service.client.get("/displays/schillerplatz-50")).text()
    assert 'class="takeover pages' in html and "Baustelle am Schillerplatz" in html
    text = await (await service.client.get(f"/stops/{SCHILLER}.txt")).text()
    assert "Baustelle am Schillerplatz" in text
    other = await (await service.client.get("/displays/hoefchen-epaper")).text()
    assert "Baustelle" not in other


async def test_withdraw_removes_it_and_keeps_the_record(service: Service) -> None:
    created = await (await post(service, NOTICE)).json()
    etag_shown, _ = await board(service, "/api/v1/displays/schillerplatz-50")
    response = await service.client.delete(f"/api/v1/notices/{created['id']}",
                                           headers=at_revision(service.auth(), 1))
    assert response.status == 200 and (await response.json())["status"] == "withdrawn"
    etag_gone, document = await board(service, "/api/v1/displays/schillerplatz-50")
    assert etag_gone != etag_shown and operator_ids(document) == []
    kept = await service.client.get(f"/api/v1/notices/{created['id']}", headers=service.auth())
    assert (await kept.json())["status"] == "withdrawn"
    public = await service.client.get(f"/api/v1/notices/{created['id']}")
    assert public.status == 404
    everything = await service.client.get("/api/v1/notices?all=1", headers=service.auth())
    assert [n["id"] for n in (await everything.json())["notices"]] == [created["id"]]


async def test_patch_is_a_merge_patch(service: Service) -> None:
    created = await (await post(service, NOTICE)).json()
    url = f"/api/v1/notices/{created['id']}"
    response = await service.client.patch(url, json={"text": {"en": None}, "priority": 4,
                                                     "id": "ignored", "revision": 9},
                                          headers=at_revision(service.auth(), 1))
    assert response.status == 200 and response.headers["ETag"] == '"2"'
    patched = await response.json()
    assert patched["revision"] == 2
    assert patched["text"] == {"de": NOTICE["text"]["de"]} and patched["priority"] == 4
    assert patched["id"] == created["id"] and patched["created"] == created["created"]
    bad = await service.client.patch(url, json={"valid_until": "2000-01-01T00:00:00+01:00"},
                                     headers=at_revision(service.auth(), 2))
    assert bad.status == 422 and (await bad.json())["error"]["field"] == "valid_until"
    unchanged = await (await service.client.get(url, headers=service.auth())).json()
    assert unchanged["priority"] == 4 and unchanged["valid_until"] is None   # nothing lost
    assert unchanged["revision"] == 2                     # a refused patch writes nothing
    missing = await service.client.patch("/api/v1/notices/op-nope", json={},
                                         headers=at_revision(service.auth(), 1))
    assert missing.status == 404


async def test_writes_name_the_revision_they_change(service: Service) -> None:
    """If-Match: 428 without it, 412 for another revision (the current ETag comes back)."""
    created = await (await post(service, NOTICE)).json()
    url = f"/api/v1/notices/{created['id']}"
    got = await service.client.get(url, headers=service.auth())
    assert got.headers["ETag"] == '"1"' and (await got.json())["revision"] == 1
    for method in (service.client.patch, service.client.delete):
        missing = await method(url, json={"priority": 2}, headers=service.auth())
        assert missing.status == 428 and "If-Match" in (await missing.json())["error"]["message"]
        for stale in ('"7"', 'W/"1"', '"abc"'):
            refused = await method(url, json={"priority": 2},
                                   headers={**service.auth(), "If-Match": stale})
            assert refused.status == 412, stale
        assert refused.headers.get("ETag") in (None, '"1"')
    changed = await service.client.patch(url, json={"priority": 2},
                                         headers={**service.auth(), "If-Match": "*"})
    assert changed.status == 200 and changed.headers["ETag"] == '"2"'
    stale = await service.client.patch(url, json={"priority": 5},
                                       headers=at_revision(service.auth(), 1))
    assert stale.status == 412 and stale.headers["ETag"] == '"2"'
    assert (await (await service.client.get(url, headers=service.auth())).json())[
        "priority"] == 2


async def test_public_list_hides_drafts_and_private_fields(service: Service) -> None:
    await post(service, NOTICE)
    await post(service, {**NOTICE, "status": "draft"})
    await post(service, {**NOTICE, "valid_from": "2099-01-01T00:00:00+01:00"})
    public = (await (await service.client.get("/api/v1/notices")).json())["notices"]
    assert len(public) == 2                                    # active and future, no draft
    assert all("author" not in n and "status" not in n for n in public)
    private = (await (await service.client.get("/api/v1/notices",
                                               headers=service.auth())).json())["notices"]
    assert sorted(n["status"] for n in private) == ["draft", "published", "published"]


async def test_auth_errors(service: Service) -> None:
    missing = await service.client.post("/api/v1/notices", json=NOTICE)
    assert missing.status == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = await service.client.post("/api/v1/notices", json=NOTICE,
                                      headers={"Authorization": "Bearer abf.x.y"})
    assert wrong.status == 401 and 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    basic = await service.client.get("/api/v1/notices", headers={"Authorization": "Basic eA=="})
    assert basic.status == 401
    query = await service.client.post(f"/api/v1/notices?access_token={service.operator}",
                                      json=NOTICE)
    assert query.status == 401                                  # never from the URL
    audit = await service.client.get("/api/v1/audit", headers=service.auth("operator"))
    assert audit.status == 403 and "insufficient_scope" in audit.headers["WWW-Authenticate"]
    assert (await audit.json())["error"]["status"] == 403
    assert (await service.client.get("/api/v1/audit")).status == 401


async def test_audit_log_has_who_when_before_after(service: Service) -> None:
    created = await (await post(service, NOTICE)).json()
    url = f"/api/v1/notices/{created['id']}"
    await service.client.patch(url, json={"priority": 2}, headers=at_revision(service.auth(), 1))
    await service.client.delete(url, headers=at_revision(service.auth("admin"), 2))
    response = await service.client.get(f"/api/v1/audit?notice={created['id']}",
                                        headers=service.auth("admin"))
    assert response.headers["Cache-Control"] == "no-store"
    records = (await response.json())["audit"]
    assert [r["action"] for r in records] == ["withdraw", "update", "create"]   # newest first
    withdraw, update, create = records
    assert create["before"] is None and create["after"]["priority"] == 1
    assert update["before"]["priority"] == 1 and update["after"]["priority"] == 2
    assert withdraw["actor"]["name"] == "Leitstelle" and withdraw["actor"]["role"] == "admin"
    assert update["actor"]["name"] == "Disposition" and "T" in update["at"]


async def test_validation_and_body_limits(service: Service) -> None:
    bad = await post(service, {"text": {"de": "x"}, "targets": {"routes": [{"id": "99"}]}})
    assert bad.status == 422
    error = (await bad.json())["error"]
    assert error["field"] == "targets.routes[0].id" and "99" in error["message"]
    huge = await service.client.post("/api/v1/notices", data=b"{" + b" " * 70_000 + b"}",
                                     headers={**service.auth(),
                                              "Content-Type": "application/json"})
    assert huge.status == 413 and huge.content_type == "application/json"
    assert (await huge.json())["error"]["status"] == 413
    anonymous = await service.client.post("/api/v1/notices", data=b"[" + b"1," * 40_000 + b"1]",
                                          headers={"Content-Type": "application/json"})
    assert anonymous.status == 413                    # declared size checked before auth
    garbage = await service.client.post("/api/v1/notices", data=b"{nope",
                                        headers=service.auth())
    assert garbage.status == 400
    listing = await service.client.get("/api/v1/notices", headers=service.auth())
    assert (await listing.json())["notices"] == []                 # nothing half-stored


async def test_writes_are_rate_limited_per_token(aiohttp_client: Any, tmp_path: Any) -> None:
    from tests.notices.conftest import start_service
    svc = await start_service(aiohttp_client, suite_settings(data_dir=tmp_path,
                                                       write_rate_limit_per_min=2))
    clock = FakeClock(SUITE_AT)          # the service's clock decides, never the wall clock
    runtime(svc.client.app).clock = clock
    assert (await post(svc, NOTICE)).status == 201
    clock.advance(50)
    assert (await post(svc, NOTICE)).status == 201
    limited = await post(svc, NOTICE)
    assert limited.status == 429 and limited.headers["Retry-After"] == "10"
    assert (await post(svc, NOTICE, role="admin")).status == 201      # another token
    clock.advance(9)
    assert (await post(svc, NOTICE)).status == 429                    # a sliding minute
    clock.advance(1)                                                  # the first write left it
    assert (await post(svc, NOTICE)).status == 201
    again = await post(svc, NOTICE)
    assert again.status == 429 and again.headers["Retry-After"] == "50"


async def test_gtfs_rt_feed_carries_notices(service: Service) -> None:
    created = await (await post(service, NOTICE)).json()
    response = await service.client.get("/gtfs-rt/alerts.pb")
    assert response.status == 200 and response.content_type == "application/x-protobuf"
    message = pb.FeedMessage()
    message.ParseFromString(await response.read())
    assert message.header.gtfs_realtime_version == "2.0"
    [entity] = [e for e in message.entity if e.id == created["id"]]
    assert entity.alert.informed_entity[0].stop_id == SCHILLER
    as_json = await (await service.client.get("/gtfs-rt/alerts.pb?format=json")).json()
    assert created["id"] in [e["id"] for e in as_json["entity"]]


async def test_alerts_endpoint_lists_active_notices(service: Service) -> None:
    """Notices and upstream alerts with informed entities and active periods, so an app can
    say "Linie 80 betroffen" and when."""
    body = {**NOTICE, "targets": {"stops": [SCHILLER], "routes": [{"id": "50", "direction": 1}]},
            "valid_until": "2026-12-01T05:00:00+01:00"}
    created = await (await post(service, body)).json()
    response = await service.client.get("/api/v1/alerts")
    alerts = {a["id"]: a for a in (await response.json())["alerts"]}
    notice = alerts[created["id"]]
    assert notice["active_periods"] == [{"start": created["valid_from"],
                                         "end": "2026-12-01T05:00:00+01:00"}]
    assert notice["informed_entities"] == [
        {"stop_id": SCHILLER, "stop_name": "Schillerplatz"},
        {"route_id": "50", "direction_id": 1, "route_short_name": "50"}]
    upstream = alerts["sim-alert-80"]
    assert upstream["source"] == "gtfs-rt" and upstream["active_periods"] == []
    assert upstream["informed_entities"] == [{"route_id": "80", "route_short_name": "80"}]


async def test_errors_carry_a_stable_code_and_writes_are_logged(
        service: Service, caplog: Any) -> None:
    import logging
    unauthorised = await service.client.post("/api/v1/notices", json=NOTICE)
    assert (await unauthorised.json())["error"]["code"] == "unauthorized"
    audit = await service.client.get("/api/v1/audit", headers=service.auth("operator"))
    assert (await audit.json())["error"]["code"] == "forbidden"
    invalid = await post(service, {"text": {"de": ""}, "targets": {"stops": ["nope"]}})
    error = (await invalid.json())["error"]
    assert error["code"] == "invalid_notice" and error["status"] == 422 and error["errors"]
    missing = await service.client.get("/api/v1/notices/op-nope")
    assert (await missing.json())["error"]["code"] == "not_found"
    bad_limit = await service.client.get("/api/v1/audit?limit=0", headers=service.auth("admin"))
    assert (await bad_limit.json())["error"] == {
        "status": 400, "code": "invalid_parameter", "parameter": "limit",
        "message": "limit: must be between 1 and 1000"}
    with caplog.at_level(logging.INFO, logger="abfahrt.notices"):
        created = await (await post(service, NOTICE)).json()
        path = f"/api/v1/notices/{created['id']}"

        async def revision() -> str:
            return (await service.client.get(path, headers=service.auth())).headers["ETag"]
        changed = await service.client.patch(path, json={"priority": 2}, headers={
            **service.auth(), "If-Match": await revision()})
        withdrawn = await service.client.delete(path, headers={
            **service.auth(), "If-Match": await revision()})
        assert (changed.status, withdrawn.status) == (200, 200)
    lines = [r.getMessage() for r in caplog.records if r.name == "abfahrt.notices"]
    for verb in ("created", "changed", "withdrawn"):
        assert any(f"notice {created['id']} {verb} by 'Disposition'" in line
                   for line in lines), lines
    assert not any(service.operator.split(".")[2] in line for line in caplog.text.splitlines())


async def test_redis_backed_service_shares_notices(redis_service: Service,
                                                   aiohttp_client: Any) -> None:
    from displays.app import create_app
    created = await (await post(redis_service, NOTICE)).json()
    second = await aiohttp_client(create_app(redis_service.settings))   # another instance
    listing = await second.get("/api/v1/notices")
    assert created["id"] in [n["id"] for n in (await listing.json())["notices"]]
    tokens = await add_tokens(redis_service.settings)
    withdrawn = await second.delete(f"/api/v1/notices/{created['id']}",
                                    headers={"Authorization": f"Bearer {tokens[1]}",
                                             "If-Match": '"1"'})
    assert withdrawn.status == 200
    first = redis_service.client.app[NOTICES].service

    async def first_sees_it() -> bool:
        return first.notices[created["id"]].status.value == "withdrawn"
    first.reload_s = 0.1
    assert await eventually(first_sees_it)


async def test_instants_out_of_range_are_422_not_500(service: Service) -> None:
    for name, raw in (("valid_until", "9999-12-31T23:59:59-14:00"),
                      ("valid_from", "0001-01-01T00:00:00+14:00")):
        response = await post(service, {**NOTICE, name: raw})
        answer = await response.json()
        assert response.status == 422, answer
        assert answer["error"]["code"] == "invalid_notice" and answer["error"]["field"] == name
    assert (await (await service.client.get("/api/v1/notices")).json())["notices"] == []


async def test_patch_moves_only_between_draft_and_published(service: Service) -> None:
    """Withdrawing is DELETE (logged as a withdrawal) and final: PATCH cannot withdraw a notice
    nor bring a withdrawn one back."""
    created = await (await post(service, NOTICE)).json()
    path = f"/api/v1/notices/{created['id']}"

    async def patch(body: dict[str, Any], revision: int) -> Any:
        return await service.client.patch(path, json=body,
                                          headers=at_revision(service.auth(), revision))

    refused = await patch({"status": "withdrawn"}, 1)
    assert refused.status == 422 and (await refused.json())["error"]["field"] == "status"
    assert (await patch({"status": "draft"}, 1)).status == 200
    assert (await patch({"status": "published"}, 2)).status == 200
    withdrawn = await service.client.delete(path, headers=at_revision(service.auth(), 3))
    assert withdrawn.status == 200 and (await withdrawn.json())["status"] == "withdrawn"
    for body in ({"status": "published"}, {"status": "draft"}, {"priority": 1}):
        again = await patch(body, 4)
        answer = await again.json()
        assert again.status == 409 and answer["error"]["code"] == "conflict", answer
    stored = await (await service.client.get(path, headers=service.auth())).json()
    assert stored["status"] == "withdrawn" and stored["revision"] == 4
    audit = await (await service.client.get(f"/api/v1/audit?notice={created['id']}",
                                            headers=service.auth("admin"))).json()
    assert [r["action"] for r in audit["audit"]] == ["withdraw", "update", "update", "create"]


async def test_if_match_with_several_tags_passes_when_any_matches(service: Service) -> None:
    """RFC 9110 §13.1.1: If-Match is a list; the write goes ahead when any strong tag names
    the current revision, and a weak tag never matches."""
    created = await (await post(service, NOTICE)).json()
    url = f"/api/v1/notices/{created['id']}"

    async def patch(if_match: str) -> Any:
        return await service.client.patch(url, json={"priority": 2},
                                          headers={**service.auth(), "If-Match": if_match})

    assert (await patch('"7", "1"')).status == 200                      # now at revision 2
    for refused in ('"7", "1"', 'W/"2", "5"', '"x", W/"2"', '"3","4"'):
        answer = await patch(refused)
        assert answer.status == 412 and answer.headers["ETag"] == '"2"', refused
    assert (await patch('"x" ,"2"')).status == 200                      # now at revision 3
    withdrawn = await service.client.delete(url, headers={**service.auth(),
                                                          "If-Match": '"1", "2", "3"'})
    assert withdrawn.status == 200 and (await withdrawn.json())["revision"] == 4
