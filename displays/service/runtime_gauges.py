"""The gauges of a running service, read from its runtime when Prometheus scrapes (the
metrics themselves are declared in `displays.service.metrics`, which knows no runtime)."""

from __future__ import annotations

from collections.abc import Callable

from displays.service.metrics import Metrics, Samples
from displays.service.runtime import Runtime
from realtime.freshness import Freshness


def watch_runtime(metrics: Metrics, rt: Runtime) -> None:
    """Register the gauges of `rt` (read when Prometheus scrapes)."""
    def one(value: Callable[[], float]) -> Callable[[], Samples]:
        return lambda: [((), value())]

    g = metrics.gauge
    g("abfahrt_static_feed_age_seconds", "seconds since the static feed was loaded",
      one(lambda: rt.now() - (rt.feed_status.loaded_at or rt.now())))
    g("abfahrt_static_feed_validity_days_left", "days from today to the timetable's last "
      "service day (negative: expired since; none while no day has service)",
      lambda: [((), v.days_left)] if (v := rt.validity()).days_left is not None else [])
    g("abfahrt_static_feed_valid", "1 while today lies inside the timetable's calendar",
      one(lambda: float(rt.validity().status == "valid")))
    g("abfahrt_boards", "boards held in this instance's memory", one(lambda: len(rt.cache.hot)))
    g("abfahrt_displays", "configured displays", one(lambda: len(rt.displays)))
    g("abfahrt_displays_online", "displays that polled within the offline threshold",
      one(lambda: rt.displays_online()))
    g("abfahrt_leader", "1 when this instance computes boards", one(lambda: rt.is_leader))
    g("abfahrt_event_loop_lag_max_seconds", "the largest event-loop lag of the last minute",
      one(lambda: rt.loop_lag.max_recent_s))
    g("abfahrt_board_renderings", "renderings (variants) held in this instance's memory",
      one(lambda: sum(len(b.renderings) for b in rt.cache.hot.values())))
    g("abfahrt_board_rendering_bytes", "bytes of the renderings held in memory",
      one(lambda: sum(b.rendering_bytes for b in rt.cache.hot.values())))
    g("abfahrt_displays_offline", "configured displays without a poll within the offline "
      "threshold", one(lambda: len(rt.displays) - rt.displays_online()))
    g("abfahrt_redis_degraded", "1 while Redis is configured but not answering",
      one(lambda: rt.cache.redis is not None and rt.cache.degraded))
    if rt.realtime is None:
        return
    hub = rt.realtime
    g("abfahrt_realtime_age_seconds", "age of the applied realtime header timestamp",
      lambda: hub.ages(rt.now()), ["source"])
    g("abfahrt_realtime_live", "1 while the source's realtime is live (fresh and applied)",
      lambda: [((s,), hub.freshness(rt.tt, s, rt.now()) is Freshness.LIVE) for s in hub.sources],
      ["source"])
    g("abfahrt_realtime_trip_updates_matched_ratio", "share of the source's trip updates "
      "matched to the timetable", lambda: hub.matched_shares(), ["source"])
