"""The notice service: the notices in memory, the snapshot it posts for boards, and the writes
that change them.

The service keeps all notices in memory, loaded from the store at start and after every write,
and posts the published ones to the runtime as a `NoticeBoard` (displays.board.notice_board)
that board building reads: after every load, when the timetable changes, and every hour (the
periods of patterned notices roll forward). A write goes to the store first — compare-and-set
on the notice's revision, with its audit record — then the whole snapshot is loaded again (so a
write another instance made just before is never skipped) and the boards are refreshed. Other
instances reload at once (the Redis store announces every write) or at the latest within
`reload_s` (the leader then refreshes).

A store that lost its data (Redis restarted without persistence: its marker is gone or its
write counter went back) is detected here: the notices known before stay on the boards and are
written back, the reset is logged once and reported (`health`, /readyz, the sign-in page) until
someone has created a token again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from displays.board.document import iso
from displays.notices.alerts import post_notices
from displays.notices.auth import Principal
from displays.notices.model import Notice, Status, notice_dict, notice_from_dict
from displays.notices.operator_targets import TargetCatalog
from displays.notices.store import (
    NoticeStore,
    Record,
    RevisionConflict,
    StoreUnavailable,
    StoreVersion,
)
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
RELOAD_S = 2.0
REPOST_S = 3600           # patterned notices' periods roll forward at least this often
RESTORER = {"token_id": None, "name": "abfahrt (after a store reset)", "role": "system"}
PAST = {"create": "created", "update": "changed", "withdraw": "withdrawn"}


class NoticeNotFound(LookupError):
    """No notice has this id."""


class RevisionMismatch(Exception):
    """The write named another revision than the store holds (HTTP 412)."""

    def __init__(self, current: Notice | None) -> None:
        super().__init__(f"the notice is at revision {current.revision if current else '?'}")
        self.current = current


class NoticeWithdrawn(Exception):
    """The notice is withdrawn: that is final, it cannot be changed any more (HTTP 409)."""

    def __init__(self, current: Notice) -> None:
        super().__init__(f"notice {current.id} is withdrawn; withdrawal is final, create a "
                         "new notice instead")
        self.current = current


class NoticeService:
    def __init__(self, store: NoticeStore, rt: Runtime, reload_s: float = RELOAD_S) -> None:
        self.store = store
        self.rt = rt
        self.reload_s = reload_s
        self.notices: dict[str, Notice] = {}
        self.version: StoreVersion | None = None
        self.reset_at: int | None = None          # when the store was found to have lost data
        self.unavailable: str | None = None       # the store's last error, while it lasts
        self._targets: TargetCatalog | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    # ---- loading ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Initialise the store (its marker) and load the notices."""
        self.version = await self.store.initialise()
        await self.load()

    async def load(self) -> None:
        """Replace the snapshot with the store's notices; detect a store that lost its data."""
        version = await self.store.notices_version()
        records = await self.store.load_notices()
        if self.version is not None and version.is_reset_of(self.version):
            await self._store_reset(version)
            return
        self.notices = self._parse(records)
        self.version = version
        self.unavailable = None
        self.post()

    def _parse(self, records: Mapping[str, Record]) -> dict[str, Notice]:
        notices: dict[str, Notice] = {}
        for key, record in records.items():
            try:
                notices[key] = notice_from_dict(record)
            except (KeyError, TypeError, ValueError) as exc:
                log.error("notice %s in the store is unreadable, skipped: %s", key, exc)
        return notices

    async def _store_reset(self, version: StoreVersion) -> None:
        """Keep the notices known before, write back those the store lost, report it."""
        now = self.rt.now()
        held = self.notices
        if self.reset_at is None:
            log.error("notice store was reset (it lost its data: marker %s, %s notice writes, "
                      "was %s, %s): keeping the %d notices known before and writing them "
                      "back; tokens must be created again (abfahrt tokens create)",
                      version.epoch, version.counter, self.version.epoch if self.version
                      else None, self.version.counter if self.version else None, len(held))
        self.reset_at = now
        self.version = await self.store.initialise()
        present = await self.store.load_notices()
        for notice in held.values():
            if notice.id not in present:
                audit = self._audit(now, "restore", RESTORER, "service", None, notice)
                with contextlib.suppress(RevisionConflict):   # another instance was first
                    await self.store.save_notice(self._dict(notice), audit, None)
        self.version = await self.store.notices_version()
        self.notices = {**held, **self._parse(await self.store.load_notices())}
        self.post()

    def wake(self) -> None:
        """Another instance wrote a notice (announced through Redis): check the store now."""
        self._wake.set()

    async def watch(self) -> None:
        """Reload when another instance wrote (until cancelled); the leader then refreshes.

        Woken at once by the store's announcement, and every `reload_s` anyway."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.reload_s)
            self._wake.clear()
            try:
                await self.check()
            except StoreUnavailable as exc:
                if self.unavailable is None:
                    log.warning("notice store unavailable, keeping %d notices: %s",
                                len(self.notices), exc)
                self.unavailable = str(exc)

    async def check(self) -> None:
        """Reload if the store changed (post again when the timetable or the hour changed);
        end a reported reset once tokens exist again."""
        if await self.store.notices_version() != self.version:
            await self.load()
            await self.refresh_boards()
        elif self._post_due():
            self.post()
        self.unavailable = None
        if self.reset_at is not None and await self.store.load_tokens():
            log.info("notice store: tokens exist again after the reset")
            self.reset_at = None

    def health(self) -> dict[str, Any]:
        """The store's state for /readyz and /api/v1/status."""
        state = "reset" if self.reset_at is not None else (
            "unavailable" if self.unavailable else "ok")
        return {"store": state, "notices": len(self.notices), "error": self.unavailable,
                "reset_at": iso(self.reset_at, self.rt.tt.zone) if self.reset_at else None}

    async def refresh_boards(self) -> None:
        await refresh_boards(self.rt)

    # ---- posting for boards ----------------------------------------------------------------
    def post(self) -> None:
        """Hand the published notices to board building (`Runtime.notice_board`)."""
        rt = self.rt
        rt.notice_board = post_notices(self.notices.values(), rt.tt, rt.displays, rt.now())

    def _post_due(self) -> bool:
        posted = self.rt.notice_board
        return (posted.feed_hash != self.rt.tt.feed_hash
                or self.rt.now() - posted.posted_at >= REPOST_S)

    # ---- reading (pure over the snapshot) --------------------------------------------------
    def targets(self, tt: Timetable) -> TargetCatalog:
        """What the operator page offers as targets (built once per timetable)."""
        if self._targets is None or self._targets.tt is not tt:
            self._targets = TargetCatalog(tt)
        return self._targets

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

    async def stored(self, notice_id: str) -> Notice:
        """The notice as the store holds it now (not the snapshot, which may lag)."""
        record = await self.store.get_notice(notice_id)
        if record is None:
            raise NoticeNotFound(notice_id)
        return notice_from_dict(record)

    async def update(self, notice_id: str, patch: Any, principal: Principal, via: str,
                     if_match: Collection[int] | None) -> Notice:
        """Apply a merge patch to the notice if the store holds one of the revisions
        `if_match` names (None: whatever it holds)."""
        if not isinstance(patch, dict):
            raise NoticeInvalid([("body", "a JSON object (merge patch, RFC 7396)")])
        async with self._lock:
            before = await self._expect(notice_id, if_match)
            if before.status is Status.WITHDRAWN:
                raise NoticeWithdrawn(before)
            now = self.rt.now()
            notice = self.validate_update(before, patch, now)
            await self._save(notice, before, principal, "update", via, now)
        return notice

    def validate_update(self, before: Notice, patch: dict[str, Any], now: int) -> Notice:
        """Return the notice a merge patch makes of `before` (NoticeInvalid when it cannot).

        An update moves a notice between draft and published only: withdrawing is `withdraw`
        (DELETE, the operator's withdraw button), logged as such."""
        merged = merge_patch(writable_fields(self.to_dict(before)), patch)
        notice = parse_notice(merged, catalog=self.catalog(), zone=self.rt.tt.zone, now=now,
                              notice_id=before.id, author=before.author, created=before.created)
        if notice.status is Status.WITHDRAWN and before.status is not Status.WITHDRAWN:
            raise NoticeInvalid([("status", "draft or published (withdraw with DELETE)")])
        return replace(notice, revision=before.revision + 1)

    async def withdraw(self, notice_id: str, principal: Principal, via: str,
                       if_match: Collection[int] | None) -> Notice:
        async with self._lock:
            before = await self._expect(notice_id, if_match)
            if before.status is Status.WITHDRAWN:
                return before
            now = self.rt.now()
            notice = replace(before, status=Status.WITHDRAWN, updated=now,
                             revision=before.revision + 1)
            await self._save(notice, before, principal, "withdraw", via, now)
        return notice

    async def _expect(self, notice_id: str, if_match: Collection[int] | None) -> Notice:
        current = await self.stored(notice_id)
        if if_match is not None and current.revision not in if_match:
            raise RevisionMismatch(current)
        return current

    async def history(self, notice_id: str) -> list[Record]:
        """The audit records of one notice, newest first."""
        return [r for r in reversed(await self.store.load_audit())
                if r.get("notice_id") == notice_id]

    def _dict(self, notice: Notice) -> dict[str, Any]:
        return notice_dict(notice, self.rt.tt.zone)

    def _audit(self, now: int, action: str, actor: Mapping[str, Any], via: str,
               before: Notice | None, after: Notice) -> Record:
        return {"id": secrets.token_hex(8), "at": iso(now, self.rt.tt.zone), "action": action,
                "actor": dict(actor), "via": via, "notice_id": after.id,
                "before": self._dict(before) if before else None, "after": self._dict(after)}

    async def _save(self, notice: Notice, before: Notice | None, principal: Principal,
                    action: str, via: str, now: int) -> None:
        """Store the notice with its audit record (compare-and-set), then load and show
        everything the store holds (caller holds the lock)."""
        audit = self._audit(now, action, principal.as_actor(), via, before, notice)
        try:
            await self.store.save_notice(self._dict(notice), audit,
                                         before.revision if before else None)
        except RevisionConflict:
            raise RevisionMismatch(await self.stored(notice.id)) from None
        log.info("notice %s %s by %r (token %s, via %s): %s, %s", notice.id, PAST[action],
                 principal.name, principal.token_id, via, notice.status.value,
                 notice.display.value)
        self.notices = {**self.notices, notice.id: notice}
        self.post()
        try:
            await self.load()
        except StoreUnavailable as exc:
            log.warning("notice saved, but the store could not be read back: %s", exc)
        await self.refresh_boards()
