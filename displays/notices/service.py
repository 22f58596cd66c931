"""The notice service: the in-process snapshot boards read, and the writes that change it.

Boards read notices synchronously (`alerts_for`, called by Runtime for every board), so the
service keeps all notices in memory, loaded from the store at start and after every write. A
write goes to the store first (with its audit record), then replaces the snapshot and refreshes
the boards, so a board shows a posted or withdrawn notice on its next poll. Other instances
notice the store's version change within `reload_s` and reload (the leader then refreshes).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from displays.board.document import coverage_document, iso
from displays.notices.alerts import notice_alert
from displays.notices.auth import Principal
from displays.notices.export import notice_coverage
from displays.notices.matching import (
    BoardScope,
    RouteDirection,
    build_scope,
    build_serving,
    select_active,
    select_notices,
)
from displays.notices.model import Notice, Status, notice_dict, notice_from_dict
from displays.notices.store import NoticeStore, StoreUnavailable
from displays.notices.validation import (
    Catalog,
    NoticeInvalid,
    merge_patch,
    parse_notice,
    writable_fields,
)
from displays.service.jobs import refresh_boards
from displays.service.runtime import Runtime
from feeds import Timetable

log = logging.getLogger("abfahrt.notices")
RELOAD_S = 5.0
PAST = {"create": "created", "update": "changed", "withdraw": "withdrawn"}


class NoticeNotFound(LookupError):
    """No notice has this id."""


class NoticeService:
    def __init__(self, store: NoticeStore, rt: Runtime, reload_s: float = RELOAD_S) -> None:
        self.store = store
        self.rt = rt
        self.reload_s = reload_s
        self.notices: dict[str, Notice] = {}
        self.version: int | None = None
        self._serving: tuple[Timetable, Mapping[int, frozenset[RouteDirection]]] | None = None
        self._lock = asyncio.Lock()

    # ---- loading ---------------------------------------------------------------------------
    async def load(self) -> None:
        """Replace the snapshot with the store's notices (a broken record is logged, skipped)."""
        version = await self.store.notices_version()
        records = await self.store.load_notices()
        notices: dict[str, Notice] = {}
        for key, record in records.items():
            try:
                notices[key] = notice_from_dict(record)
            except (KeyError, TypeError, ValueError) as exc:
                log.error("notice %s in the store is unreadable, skipped: %s", key, exc)
        self.notices = notices
        self.version = version

    async def watch(self) -> None:
        """Reload when another instance wrote (until cancelled); the leader then refreshes."""
        while True:
            await asyncio.sleep(self.reload_s)
            try:
                if await self.store.notices_version() != self.version:
                    await self.load()
                    await self.refresh_boards()
            except StoreUnavailable as exc:
                log.warning("notice store unavailable, keeping %d notices: %s",
                            len(self.notices), exc)

    async def refresh_boards(self) -> None:
        await refresh_boards(self.rt)

    # ---- reading (pure over the snapshot) --------------------------------------------------
    def serving(self, tt: Timetable) -> Mapping[int, frozenset[RouteDirection]]:
        if self._serving is None or self._serving[0] is not tt:
            self._serving = (tt, build_serving(tt))
        return self._serving[1]

    def scope(self, tt: Timetable, stops: list[int], display_id: str | None) -> BoardScope:
        display = self.rt.displays.get(display_id) if display_id else None
        return build_scope(tt, self.serving(tt), stops, display)

    def alerts_for(self, tt: Timetable, stops: list[int], display: str | None, lang: str,
                   at: int) -> list[dict[str, Any]]:
        """The contract alerts of the notices shown on a board of `stops` / `display` at `at`."""
        if not self.notices:
            return []
        chosen = select_notices(self.notices.values(), self.scope(tt, stops, display), at,
                                tt.zone)
        return [notice_alert(n, lang) for n in chosen]

    def all_alerts(self, lang: str, at: int) -> list[dict[str, Any]]:
        """Every notice shown at `at`, with its active periods and informed entities."""
        tt = self.rt.tt
        return [notice_alert(n, lang) | coverage_document(
                    *notice_coverage(n, tt, self.rt.displays, at), tt)
                for n in select_active(self.notices.values(), at, tt.zone)]

    def catalog(self) -> Catalog:
        tt = self.rt.tt
        return Catalog(has_stop=lambda s: tt.find_stop(s) >= 0,
                       has_route=lambda r: tt.find_route(r) >= 0,
                       displays=frozenset(self.rt.displays))

    def get(self, notice_id: str) -> Notice:
        notice = self.notices.get(notice_id)
        if notice is None:
            raise NoticeNotFound(notice_id)
        return notice

    def current(self, at: int, include_over: bool = False) -> list[Notice]:
        """Notices not yet over (active and scheduled), or all of them, by validity start."""
        return sorted((n for n in self.notices.values() if include_over or not n.is_over(at)),
                      key=lambda n: (n.valid_from, n.id))

    def to_dict(self, notice: Notice, public: bool = False) -> dict[str, Any]:
        return notice_dict(notice, self.rt.tt.zone, public)

    # ---- writing ---------------------------------------------------------------------------
    def validate_new(self, body: Any, principal: Principal, now: int) -> Notice:
        """Return the notice a body would create (NoticeInvalid when it cannot)."""
        return parse_notice(body, catalog=self.catalog(), zone=self.rt.tt.zone, now=now,
                            notice_id=f"op-{secrets.token_hex(6)}", author=principal.name)

    async def create(self, body: Any, principal: Principal, via: str) -> Notice:
        now = self.rt.now()
        notice = self.validate_new(body, principal, now)
        async with self._lock:
            await self._save(notice, None, principal, "create", via, now)
        return notice

    async def update(self, notice_id: str, patch: Any, principal: Principal, via: str
                     ) -> Notice:
        async with self._lock:
            before = self.get(notice_id)
            now = self.rt.now()
            if not isinstance(patch, dict):
                raise NoticeInvalid([("body", "a JSON object (merge patch, RFC 7396)")])
            merged = merge_patch(writable_fields(self.to_dict(before)), patch)
            notice = parse_notice(merged, catalog=self.catalog(), zone=self.rt.tt.zone,
                                  now=now, notice_id=before.id, author=before.author,
                                  created=before.created)
            await self._save(notice, before, principal, "update", via, now)
        return notice

    async def withdraw(self, notice_id: str, principal: Principal, via: str) -> Notice:
        async with self._lock:
            before = self.get(notice_id)
            if before.status is Status.WITHDRAWN:
                return before
            now = self.rt.now()
            notice = replace(before, status=Status.WITHDRAWN, updated=now)
            await self._save(notice, before, principal, "withdraw", via, now)
        return notice

    async def _save(self, notice: Notice, before: Notice | None, principal: Principal,
                    action: str, via: str, now: int) -> None:
        """Store the notice with its audit record, then show it (caller holds the lock)."""
        zone = self.rt.tt.zone
        audit = {"id": secrets.token_hex(8), "at": iso(now, zone), "action": action,
                 "actor": principal.as_actor(), "via": via, "notice_id": notice.id,
                 "before": notice_dict(before, zone) if before else None,
                 "after": notice_dict(notice, zone)}
        await self.store.save_notice(notice_dict(notice, zone), audit)
        log.info("notice %s %s by %r (token %s, via %s): %s, %s", notice.id, PAST[action],
                 principal.name, principal.token_id, via, notice.status.value,
                 notice.display.value)
        self.notices = {**self.notices, notice.id: notice}
        try:
            self.version = await self.store.notices_version()
        except StoreUnavailable:
            self.version = None
        await self.refresh_boards()
