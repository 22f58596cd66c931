"""Prometheus metrics (prometheus-client), kept in the shell: one registry per application.

Two kinds, both declared here and nowhere else:

- Counters and histograms that code updates as things happen: `Metrics.__init__`, one line each
  (handlers, jobs and the realtime hub call `metrics.<name>.labels(...).inc()` / `.observe()`).
- What every HTTP request counts (requests, errors, durations, board cache hits) is kept in
  plain dicts and integers by `RequestStats` and turned into counter and histogram families
  only when Prometheus scrapes: a prometheus-client `labels()` lookup, lock and observe per
  request cost about as much as the rest of a cached board's handler.
- Gauges read at scrape time from the running service: `watch`, one `gauge(...)` line each
  with a function returning `(label values, value)` pairs; nothing has to keep them current.

Names follow the Prometheus conventions: `abfahrt_` prefix, base units (seconds, days),
counters end in `_total` (the client adds it), ratios in `_ratio`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
REFRESH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
Samples = Iterable[tuple[Sequence[str], float]]


class ScrapeGauge(Collector):
    """A gauge whose samples a function returns when Prometheus scrapes."""

    def __init__(self, name: str, documentation: str, labels: Sequence[str],
                 read: Callable[[], Samples]) -> None:
        self.name, self.documentation, self.labels, self.read = name, documentation, labels, read

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        for values, value in self.read():
            family.add_metric(list(values), float(value))
        yield family


class Tally:
    """A counter without labels that costs one integer addition (read at scrape time)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def inc(self, amount: int = 1) -> None:
        self.value += amount


class RequestStats(Collector):
    """Requests by route and status, errors by code, durations by route, board cache hits and
    misses: counted in plain dicts on the event loop, exposed as counter and histogram
    families (the same names, types and labels as prometheus-client's) when scraped."""

    def __init__(self, buckets: Sequence[float] = REQUEST_BUCKETS) -> None:
        self.buckets = tuple(buckets)
        self.requests: dict[tuple[str, int], int] = {}
        self.errors: dict[str, int] = {}
        self.durations: dict[str, list[float]] = {}    # route: per-bucket counts, then sum
        self.cache_hits = Tally()
        self.cache_misses = Tally()

    def observe(self, route: str, status: int, seconds: float, code: str | None) -> None:
        key = (route, status)
        requests = self.requests
        requests[key] = requests.get(key, 0) + 1
        counts = self.durations.get(route)
        if counts is None:
            counts = self.durations[route] = [0.0] * (len(self.buckets) + 2)
        counts[bisect_left(self.buckets, seconds)] += 1       # le: the first bound >= it
        counts[-1] += seconds
        if code is not None:
            self.errors[code] = self.errors.get(code, 0) + 1

    def describe(self) -> Iterator[Metric]:
        return iter(())         # collected only when scraped (no name clash to check early)

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily("abfahrt_http_requests",
                                       "HTTP requests by route and status",
                                       labels=["route", "status"])
        for (route, status), n in list(self.requests.items()):
            requests.add_metric([route, str(status)], n)
        yield requests
        errors = CounterMetricFamily("abfahrt_http_errors",
                                     "error answers by their stable error code", labels=["code"])
        for code, n in list(self.errors.items()):
            errors.add_metric([code], n)
        yield errors
        durations = HistogramMetricFamily("abfahrt_http_request_duration_seconds",
                                          "request duration by route", labels=["route"])
        bounds = [*(repr(float(b)) for b in self.buckets), "+Inf"]
        for route, held in list(self.durations.items()):
            counts = list(held)
            cumulative, total = [], 0.0
            for bound, count in zip(bounds, counts[:-1], strict=True):
                total += count
                cumulative.append((bound, total))
            durations.add_metric([route], cumulative, counts[-1])
        yield durations
        yield CounterMetricFamily("abfahrt_board_cache_hits",
                                  "boards served from this instance's memory",
                                  value=self.cache_hits.value)
        yield CounterMetricFamily("abfahrt_board_cache_misses", "boards not in memory "
                                  "(read from Redis or computed)", value=self.cache_misses.value)


class Metrics:
    """The registry and every metric of one running service."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.http = RequestStats()
        r.register(self.http)
        self.cache_hits = self.http.cache_hits
        self.cache_misses = self.http.cache_misses
        self.observe = self.http.observe          # one answered request (and its error code)
        self.realtime_fetches = Counter("abfahrt_realtime_fetches", "realtime polls by source "
                                        "and result (ok, not_modified, failed)",
                                        ["source", "result"], registry=r)
        self.realtime_rejections = Counter(
            "abfahrt_realtime_rejections", "realtime not applied, by source, what (feed, "
            "trip_update, stop_time_update, vehicle) and reason", ["source", "kind", "reason"],
            registry=r)
        self.refresh_seconds = Histogram("abfahrt_board_refresh_duration_seconds",
                                         "duration of one refresh of every kept board",
                                         buckets=REFRESH_BUCKETS, registry=r)
        self.displays_went_dark = Counter("abfahrt_displays_went_dark", "displays that went "
                                          "dark (counted by the leader, which decides)",
                                          registry=r)
        self.loop_lag = Histogram("abfahrt_event_loop_lag_seconds", "how late the event loop "
                                  "ran a 0.1 s timer", buckets=LAG_BUCKETS, registry=r)

    def gauge(self, name: str, documentation: str, read: Callable[[], Samples],
              labels: Sequence[str] = ()) -> None:
        """Register a gauge read at scrape time."""
        self.registry.register(ScrapeGauge(name, documentation, labels, read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
