"""Wire notices into the app: their routes (NOTICE_ROUTES), and a context that opens the store
and sets `rt.notices`."""


from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from displays.notices import api, operator, operator_fleet, operator_notice
from displays.notices.redis_store import RedisStore
from displays.notices.service import NoticeService
from displays.notices.storage import open_store
from displays.notices.store import StoreUnavailable
from displays.service.settings import Settings
from displays.web.appkeys import RUNTIME

log = logging.getLogger("abfahrt.notices")


NOTICE_ROUTES = (api.routes, operator.routes, operator_notice.routes, operator_fleet.routes)


def setup_notices(app: web.Application, settings: Settings) -> None:
    """Add the context that opens the store and sets `rt.notices` (the application
    registers NOTICE_ROUTES with its other routes)."""
    app.cleanup_ctx.append(notices_context(settings))


def notices_context(settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        rt = app[RUNTIME]
        store = open_store(settings.data_dir / "notices", settings.redis_url,
                           settings.redis_prefix)
        if isinstance(store, RedisStore):
            await store.check_persistence()
        service = NoticeService(store, rt)
        try:
            await service.start()
        except StoreUnavailable as exc:         # boards keep working; the watcher retries
            log.error("notice store unavailable at start: %s", exc)
        app[api.NOTICES] = service
        rt.notices = service
        await service.refresh_boards()
        watcher = asyncio.create_task(service.watch())
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await store.close()

    return context
