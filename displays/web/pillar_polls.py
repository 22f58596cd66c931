"""Which request is a pillar's own poll — its contact in the fleet view — and which is not.

A rider, a crawler or an operator's frame opening /displays/{id} must not make a dark pillar
look online, and their addresses are nobody's business. So a request counts as the pillar's
poll only when it proves to come from the pillar, as displays.toml says: from one of the
networks `address` names (and with its `key` too, when both are set), else with its `key`
(`?key=`). A display with neither is never counted (configure one); `?preview=1` (the fleet
view's frames) never counts.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from dataclasses import dataclass

from aiohttp import web

from displays.board.display import Display
from displays.service.runtime import Runtime
from displays.web.http import NO_QUERY, client_key, query


@dataclass(frozen=True, slots=True)
class Poll:
    """What a request to a display's board says about who asks."""

    address: str
    key: str | None


def pillar_address(request: web.Request, rt: Runtime, display: Display) -> str | None:
    """The pillar's address when this request for `display`'s board is the pillar's own poll;
    else None (a preview never is; a display with neither address nor key is never polled,
    and then nothing of the request is looked at)."""
    q = query(request)
    if not display.poll_from and (display.poll_key is None or q is NO_QUERY):
        return None                    # nothing it could prove itself with
    if "preview" in q:
        return None
    poll = Poll(client_key(request, rt.settings.trusted_proxies), q.get("key"))
    return poll.address if is_pillar_poll(display, poll) else None


@functools.lru_cache(maxsize=256)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def _from(networks: tuple[str, ...], address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        candidates.append(ip.ipv4_mapped)
    return any(candidate in _network(net) for net in networks for candidate in candidates)


def _key_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(),
                                                     given.encode("utf-8", "surrogatepass"))


def is_pillar_poll(display: Display, poll: Poll) -> bool:
    """Whether a request for `display`'s board is the pillar's own poll."""
    if display.poll_from:
        return _from(display.poll_from, poll.address) and (
            display.poll_key is None or _key_matches(display.poll_key, poll.key))
    return display.poll_key is not None and _key_matches(display.poll_key, poll.key)
