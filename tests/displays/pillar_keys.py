"""The demo pillars' poll keys, read from the demo displays file as a pillar's setup would."""

from __future__ import annotations

import tomllib

from displays.service.config.displays_file import default_displays_file


def demo_key(display_id: str) -> str:
    """The `key` a demo pillar sends with its polls (`?key=`) to count as online."""
    tables = tomllib.loads(default_displays_file().read_text(encoding="utf-8"))["displays"]
    return str(tables[display_id].get("key", "no key configured"))
