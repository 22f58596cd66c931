"""Notices, tokens and the audit log survive a restart of the service and of Redis (AOF)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from displays.app import create_app
from displays.service.config.settings import Settings
from tests.instants import suite_now, suite_settings
from tests.notices.conftest import SCHILLER, start_service
from tests.notices.test_api import NOTICE
from tests.redis_server import start_redis


async def restart_and_check(aiohttp_client: Any, settings: Settings, notice_id: str,
                            operator: str, admin: str) -> None:
    # the restarted service's clock starts at the suite's now, as a restart's would: after
    # the notice was posted (the first service's clock ran on while it was posted)
    client = await aiohttp_client(create_app(replace(settings, clock_start=suite_now() + 1)))
    listing = await client.get("/api/v1/notices")
    assert [n["id"] for n in (await listing.json())["notices"]] == [notice_id]
    board = await (await client.get(f"/api/v1/stops/{SCHILLER}/departures")).json()
    assert notice_id in [a["id"] for a in board["alerts"]]
    again = await client.patch(f"/api/v1/notices/{notice_id}", json={"priority": 5},
                               headers={"Authorization": f"Bearer {operator}",
                                        "If-Match": '"1"'})
    assert again.status == 200                                  # the token still works
    audit = await client.get("/api/v1/audit", headers={"Authorization": f"Bearer {admin}"})
    assert [r["action"] for r in (await audit.json())["audit"]][:2] == ["update", "create"]
    await client.close()


async def test_embedded_files_survive_a_service_restart(aiohttp_client: Any,
                                                        tmp_path: Path) -> None:
    svc = await start_service(aiohttp_client, suite_settings(data_dir=tmp_path))
    created = await (await svc.client.post("/api/v1/notices", json=NOTICE,
                                           headers=svc.auth())).json()
    await svc.client.close()
    await restart_and_check(aiohttp_client, svc.settings, created["id"], svc.operator,
                            svc.admin)


async def test_redis_with_aof_survives_service_and_redis_restart(aiohttp_client: Any,
                                                                 tmp_path: Path) -> None:
    server = start_redis(appendonly=True)
    try:
        settings = suite_settings(data_dir=tmp_path, redis_url=server.url)
        svc = await start_service(aiohttp_client, settings)
        created = await (await svc.client.post("/api/v1/notices", json=NOTICE,
                                               headers=svc.auth())).json()
        await svc.client.close()
        server.stop()
        server.start()
        assert not (tmp_path / "notices").exists()              # it all lived in Redis
        await restart_and_check(aiohttp_client, settings, created["id"], svc.operator,
                                svc.admin)
    finally:
        server.stop()
