"""Which request counts as a pillar's own poll: from its configured networks, else with its
key; never a rider's visit, never a preview. And how displays.toml says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from displays.board.display import BoardFilter, Display
from displays.service.config.displays_file import DisplayConfigError, load_displays
from displays.web.pillar_polls import Poll, is_pillar_poll

KEY = "k3y-of-the-pillar-0123456789"


def display(poll_from: tuple[str, ...] = (), poll_key: str | None = None) -> Display:
    return Display(id="p", name="p", stops=("s",), filter=BoardFilter(), poll_from=poll_from,
                   poll_key=poll_key)


@pytest.mark.parametrize(("configured", "poll", "counts"), [
    ({}, Poll("10.20.1.2", None), False),                          # nothing configured
    ({}, Poll("10.20.1.2", KEY), False),
    ({"poll_key": KEY}, Poll("192.0.2.7", KEY), True),             # any address, its key
    ({"poll_key": KEY}, Poll("192.0.2.7", None), False),
    ({"poll_key": KEY}, Poll("192.0.2.7", KEY[:-1]), False),
    ({"poll_key": KEY}, Poll("192.0.2.7", "ä" + KEY), False),
    ({"poll_from": ("10.20.0.0/16",)}, Poll("10.20.1.2", None), True),
    ({"poll_from": ("10.20.0.0/16",)}, Poll("10.21.1.2", None), False),
    ({"poll_from": ("10.20.0.0/16",)}, Poll("::ffff:10.20.1.2", None), True),
    ({"poll_from": ("10.20.0.0/16",)}, Poll("unknown", None), False),
    ({"poll_from": ("2001:db8::/48",)}, Poll("2001:db8::5", None), True),
    ({"poll_from": ("2001:db8::/48",)}, Poll("10.20.1.2", None), False),
    ({"poll_from": ("10.20.1.2/32",), "poll_key": KEY}, Poll("10.20.1.2", KEY), True),
    ({"poll_from": ("10.20.1.2/32",), "poll_key": KEY}, Poll("10.20.1.2", None), False),
    ({"poll_from": ("10.20.1.2/32",), "poll_key": KEY}, Poll("10.20.1.3", KEY), False),
])
def test_only_the_pillar_counts(configured: dict[str, Any], poll: Poll, counts: bool) -> None:
    assert is_pillar_poll(display(**configured), poll) is counts


def test_the_key_never_shows_in_a_display_repr() -> None:
    assert KEY not in repr(display(poll_key=KEY))


def test_displays_file_takes_address_and_key(tmp_path: Path) -> None:
    path = tmp_path / "displays.toml"
    path.write_text(f'[displays.a]\nstops = ["s"]\naddress = ["10.20.0.0/16", "2001:db8::1"]\n'
                    f'key = "{KEY}"\n[displays.b]\nstops = ["s"]\n')
    loaded = load_displays(path)
    assert loaded["a"].poll_from == ("10.20.0.0/16", "2001:db8::1/128")
    assert loaded["a"].poll_key == KEY
    assert loaded["b"].poll_from == () and loaded["b"].poll_key is None


def test_displays_file_refuses_bad_addresses_and_short_keys(tmp_path: Path) -> None:
    path = tmp_path / "displays.toml"
    path.write_text('[displays.a]\nstops = ["s"]\naddress = ["10.20.0.0/33", "pillar-7"]\n'
                    'key = "short"\n')
    with pytest.raises(DisplayConfigError) as caught:
        load_displays(path)
    text = str(caught.value)
    assert "address" in text and "an IP address or network" in text
    assert "key" in text and "16 to 128" in text
