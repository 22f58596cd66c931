"""Large realtime feeds are resolved in a child process (issue 15: no stall while realtime is
applied): the child's snapshot shows the same boards as one resolved in this process; garbage
is refused as before; a feed the child cannot take falls back to the thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from displays.service.live.resolver import CHILD_NICENESS, Resolver, ResolverUnavailable
from feeds import Timetable
from feeds.cache import save_timetable
from feeds.load import load_timetable
from realtime.errors import FeedDecodeError
from realtime.snapshot_codec import load_snapshot
from realtime.state import RealtimeState, resolve_bytes
from tests.realtime.conftest import TS, board, hm, network
from tests.realtime.rt_builder import TD, feed_bytes, stu, trip_update


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> tuple[Timetable, Path]:
    folder = tmp_path_factory.mktemp("resolver")
    tt = load_timetable(network().write(folder / "network.zip"))
    save_timetable(tt, folder / "cache")
    return tt, folder / "cache"


@pytest.fixture
def resolver(cached: tuple[Timetable, Path]) -> Iterator[Resolver]:
    made = Resolver(cached[1], min_bytes=0)
    yield made
    made.shutdown()


def _data() -> bytes:
    return feed_bytes(TS, trip_update("e", "T1", stu(20, dep_delay=120), stu(40, dep_delay=60)),
                      trip_update("f", "T2", relationship=TD.CANCELED))


def _boards(tt: Timetable, state: RealtimeState) -> list[tuple[object, ...]]:
    return [(d.trip_id, d.stop_id, d.predicted, d.delay_s, d.status, d.realtime)
            for stop in ("A", "B", "C")
            for d in board(tt, stop, hm("10:00"), state, 7200).departures]


async def test_the_childs_snapshot_shows_the_same_boards(
        cached: tuple[Timetable, Path], resolver: Resolver) -> None:
    tt, _ = cached
    data = _data()
    assert resolver.wants(data, tt)
    blob = await resolver.resolve(data, tt)
    here = RealtimeState().apply_resolved("tu", *resolve_bytes(data, tt), tt, received_at=TS)
    child = RealtimeState().apply_resolved("tu", *load_snapshot(blob, tt), tt, received_at=TS)
    assert _boards(tt, child) == _boards(tt, here)
    assert child.feed("tu").stats == here.feed("tu").stats
    assert child.feed("tu").stats.trip_updates_matched == 2
    assert any(row[5] for row in _boards(tt, child))       # live predictions, not schedule
    assert await resolver.resolve(data, tt) == blob          # the child keeps its timetable
    # the child yields the CPU to the serving process: lower priority than ours
    mine = psutil.Process().nice()
    assert min(19, mine + CHILD_NICENESS) in [k.nice() for k in psutil.Process().children()]


async def test_garbage_is_refused_across_the_process(
        cached: tuple[Timetable, Path], resolver: Resolver) -> None:
    with pytest.raises(FeedDecodeError):
        await resolver.resolve(b"\x08\x96\x01 no protobuf at all", cached[0])
    # and the child is still there for the next feed
    assert load_snapshot(await resolver.resolve(_data(), cached[0]), cached[0])


async def test_what_the_child_cannot_take_stays_in_the_thread(
        cached: tuple[Timetable, Path], tmp_path: Path) -> None:
    tt, cache_dir = cached
    small = Resolver(cache_dir, min_bytes=1 << 20)
    assert not small.wants(_data(), tt)                      # small feeds: the thread
    elsewhere = Resolver(tmp_path / "empty-cache", min_bytes=0)
    assert not elsewhere.wants(_data(), tt)                  # not on disk: the thread
    try:
        with pytest.raises(ResolverUnavailable):
            await elsewhere.resolve(_data(), tt)             # asked anyway: a clear error
    finally:
        elsewhere.shutdown()
