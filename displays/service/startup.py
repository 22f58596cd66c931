"""Where a starting service is: the HTTP server answers before the first timetable is ready.

`abfahrt serve` listens at once and loads (or builds) the first timetable in the background;
until then `/readyz` answers 503 with the phase of the build (`Startup.document`) and every
other route 503 "starting" with Retry-After. The build's progress events arrive on a worker
thread; each replaces one immutable `Progress` value, so a reader never sees half an update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from displays.service.runtime import Runtime
from feeds.progress import Progress


@dataclass
class Startup:
    ready: bool = False                 # the first timetable is served
    runtime: Runtime | None = None      # the service's state, once it is opened
    building: Progress | None = None    # the latest event of a build running for it
    error: str | None = None            # why the start failed (the process then ends)
    # the routes that answer before the service is ready
    open_paths: frozenset[str] = field(default=frozenset({"/healthz", "/readyz"}))

    def __call__(self, event: Progress) -> None:
        """The progress callback of the first build (later builds do not change it)."""
        if not self.ready:
            self.building = event

    def document(self) -> dict[str, Any]:
        """The body /readyz answers while the service starts."""
        if self.error is not None:
            return {"status": "failed", "error": self.error}
        event = self.building
        if event is None or event.phase == "done":
            return {"status": "starting", "phase": "starting", "done": 0, "total": None}
        return {"status": "building", "phase": event.phase, "done": event.done,
                "total": event.total, "unit": event.unit}
