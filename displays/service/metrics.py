"""Prometheus text metrics, kept in the shell (core modules only return stats records)."""

from __future__ import annotations

from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
Samples = list[tuple[dict[str, str], float]]


class Histogram:
    """Cumulative buckets and a sum, rendered as a Prometheus histogram."""

    def __init__(self, buckets: tuple[float, ...] = BUCKETS) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.sum += value
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1
                return
        self.counts[-1] += 1

    def lines(self, name: str, labels: str = "") -> list[str]:
        prefix = f"{labels}," if labels else ""
        out, total = [], 0
        for bound, n in zip((*self.buckets, float("inf")), self.counts, strict=True):
            total += n
            le = "+Inf" if bound == float("inf") else repr(bound)
            out.append(f'{name}_bucket{{{prefix}le="{le}"}} {total}')
        tag = f"{{{labels}}}" if labels else ""
        out += [f"{name}_sum{tag} {self.sum:.6f}", f"{name}_count{tag} {total}"]
        return out


class Metrics:
    """Request counts and latency histograms by route; gauges are read at scrape time."""

    def __init__(self) -> None:
        self.requests: defaultdict[tuple[str, int], int] = defaultdict(int)
        self.latency: defaultdict[str, Histogram] = defaultdict(Histogram)

    def observe(self, route: str, status: int, seconds: float) -> None:
        self.requests[(route, status)] += 1
        self.latency[route].observe(seconds)

    def render(self, gauges: dict[str, tuple[str, Samples]],
               histograms: dict[str, tuple[str, Histogram]] | None = None) -> str:
        """Return the exposition text; `gauges` maps a metric name to (help, samples),
        `histograms` a metric name to (help, histogram)."""
        out = ["# HELP abfahrt_http_requests_total HTTP requests by route and status",
               "# TYPE abfahrt_http_requests_total counter"]
        for (route, status), n in sorted(self.requests.items()):
            tag = f'route="{_esc(route)}",status="{status}"'
            out.append(f"abfahrt_http_requests_total{{{tag}}} {n}")
        out += ["# HELP abfahrt_http_request_duration_seconds request latency by route",
                "# TYPE abfahrt_http_request_duration_seconds histogram"]
        for route, histogram in sorted(self.latency.items()):
            out += histogram.lines("abfahrt_http_request_duration_seconds",
                                   f'route="{_esc(route)}"')
        for name, (help_text, histogram) in sorted((histograms or {}).items()):
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} histogram",
                    *histogram.lines(name)]
        for name, (help_text, samples) in sorted(gauges.items()):
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            for labels, value in samples:
                text = ",".join(f'{k}="{_esc(v)}"' for k, v in sorted(labels.items()))
                out.append(f"{name}{{{text}}} {value}" if text else f"{name} {value}")
        return "\n".join(out) + "\n"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
