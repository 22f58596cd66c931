"""Wire notices into the app: their routes (NOTICE_ROUTES, registered by the application with
its other routes), and a context that opens the store and sets `rt.notices` (entered by the
service's start, once the runtime exists)."""


from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from displays.notices import api, operator, operator_fleet, operator_notice
from displays.notices.redis_store import RedisStore
from displays.notices.service import NoticeService
from displays.notices.storage import open_store
from displays.notices.store import StoreUnavailable
from displays.service.config.settings import Settings
from displays.service.runtime import Runtime

log = logging.getLogger("abfahrt.notices")


NOTICE_ROUTES = (api.routes, operator.routes, operator_notice.routes, operator_fleet.routes)


def setup_notices(app: web.Application) -> None:
    """Give the app the slot of the notice service (filled by `open_notices` once the service
    runs); the application registers NOTICE_ROUTES with its other routes."""
    app[api.NOTICES] = api.NoticesSlot()


@contextlib.asynccontextmanager
async def open_notices(app: web.Application, settings: Settings, rt: Runtime
                       ) -> AsyncIterator[NoticeService]:
    """Open the notice store, set `rt.notices` and watch the store; close it at the end."""
    store = open_store(settings.data_dir / "notices", settings.redis_url,
                       settings.redis_prefix)
    try:
        if isinstance(store, RedisStore):
            await store.check_persistence()
        service = NoticeService(store, rt)
        try:
            await service.start()
        except StoreUnavailable as exc:         # boards keep working; the watcher retries
            log.error("notice store unavailable at start: %s", exc)
        app[api.NOTICES].service = service
        rt.notices = service
        await service.refresh_boards()
        watcher = asyncio.create_task(service.watch())
        try:
            yield service
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
    finally:
        await store.close()
