"""Prometheus text metrics, kept in the shell (core modules only return stats records)."""

from __future__ import annotations

from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """Request counts and latency histograms by route; gauges are read at scrape time."""

    def __init__(self) -> None:
        self.requests: defaultdict[tuple[str, int], int] = defaultdict(int)
        self.latency: defaultdict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.latency_sum: defaultdict[str, float] = defaultdict(float)

    def observe(self, route: str, status: int, seconds: float) -> None:
        self.requests[(route, status)] += 1
        counts = self.latency[route]
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
        self.latency_sum[route] += seconds

    def render(self, gauges: dict[str, tuple[str, list[tuple[dict[str, str], float]]]]) -> str:
        """Return the exposition text; `gauges` maps a metric name to (help, samples)."""
        out = ["# HELP abfahrt_http_requests_total HTTP requests by route and status",
               "# TYPE abfahrt_http_requests_total counter"]
        for (route, status), n in sorted(self.requests.items()):
            tag = f'route="{_esc(route)}",status="{status}"'
            out.append(f"abfahrt_http_requests_total{{{tag}}} {n}")
        out += ["# HELP abfahrt_http_request_duration_seconds request latency by route",
                "# TYPE abfahrt_http_request_duration_seconds histogram"]
        for route, counts in sorted(self.latency.items()):
            total = 0
            for bound, n in zip((*BUCKETS, float("inf")), counts, strict=True):
                total += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                out.append(f'abfahrt_http_request_duration_seconds_bucket{{route="{_esc(route)}",'
                           f'le="{le}"}} {total}')
            out.append(f'abfahrt_http_request_duration_seconds_sum{{route="{_esc(route)}"}} '
                       f"{self.latency_sum[route]:.6f}")
            out.append(f'abfahrt_http_request_duration_seconds_count{{route="{_esc(route)}"}} '
                       f"{total}")
        for name, (help_text, samples) in sorted(gauges.items()):
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            for labels, value in samples:
                text = ",".join(f'{k}="{_esc(v)}"' for k, v in sorted(labels.items()))
                out.append(f"{name}{{{text}}} {value}" if text else f"{name} {value}")
        return "\n".join(out) + "\n"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
