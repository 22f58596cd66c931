"""Behind a reverse proxy (issue 15, items 8 and 13): the sign-in limit counts failures per
forwarded client address, so one client cannot lock every operator out; the forwarded scheme
(`X-Forwarded-Proto`) is believed from trusted proxies only."""

from __future__ import annotations

import aiohttp

from tests.faults.conftest import StartService
from tests.faults.harness import create_token, sign_in

LOGIN_LIMIT = 10        # displays.notices.operator: failed sign-ins per minute and address


def jar() -> aiohttp.CookieJar:
    return aiohttp.CookieJar(unsafe=True)       # cookies for 127.0.0.1


async def test_failed_sign_ins_of_one_client_do_not_lock_out_another(
        start_service: StartService) -> None:
    service = start_service(ABFAHRT_TRUSTED_PROXIES="127.0.0.1")
    token = create_token(service.data_dir)
    attacker = {"X-Forwarded-For": "198.51.100.7"}
    colleague = {"X-Forwarded-For": "203.0.113.20"}
    async with aiohttp.ClientSession(cookie_jar=jar()) as session:
        statuses = [(await sign_in(session, service.url, "abf.nope.wrong", attacker))[0]
                    for _ in range(LOGIN_LIMIT + 1)]
    assert statuses == [403] * LOGIN_LIMIT + [429], statuses
    async with aiohttp.ClientSession(cookie_jar=jar()) as session:
        status, body = await sign_in(session, service.url, token, colleague)
    assert status == 303, body[:300]
    async with aiohttp.ClientSession(cookie_jar=jar()) as session:
        assert (await sign_in(session, service.url, token, attacker))[0] == 429


async def test_successful_sign_ins_are_not_counted(start_service: StartService) -> None:
    """A control room behind one address signs in many times a minute."""
    service = start_service()
    token = create_token(service.data_dir)
    for _ in range(LOGIN_LIMIT + 2):
        async with aiohttp.ClientSession(cookie_jar=jar()) as session:
            assert (await sign_in(session, service.url, token))[0] == 303


async def test_forwarded_scheme_is_believed_from_trusted_proxies_only(
        start_service: StartService) -> None:
    https = {"X-Forwarded-Proto": "https"}
    untrusted = start_service(name="direct")
    trusted = start_service(name="proxied", ABFAHRT_TRUSTED_PROXIES="127.0.0.1")
    async with aiohttp.ClientSession(cookie_jar=jar()) as session:
        async with session.get(untrusted.url + "/operator", headers=https) as response:
            cookie = response.headers["Set-Cookie"]
        assert "abfahrt_login=" in cookie and "Secure" not in cookie, cookie
        async with session.get(trusted.url + "/operator", headers=https) as response:
            cookie = response.headers["Set-Cookie"]
        assert "abfahrt_login=" in cookie and "Secure" in cookie, cookie
