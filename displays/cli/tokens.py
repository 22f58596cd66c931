"""`abfahrt tokens create|list|revoke`: operator API tokens, in the store the service uses.

The store is Redis when `--redis` / REDIS_URL is given, else the files under `--data-dir` /
ABFAHRT_DATA_DIR (default: $STATE_DIRECTORY, else ~/.local/share/abfahrt, as for the
service). Every command says which store it used. `create` prints the new bearer token once,
as the last word of its output; only its SHA-256 is stored. Every create and revoke is written
to the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from displays.board.document import iso
from displays.cli.common import UsageError
from displays.notices.auth import Role, new_token, public_token
from displays.notices.storage import open_store
from displays.notices.store import NoticeStore, StoreUnavailable
from displays.service.config.errors import ConfigError
from displays.service.config.settings import Settings, load_settings

ZONE = ZoneInfo("Europe/Berlin")
MAX_NAME = 64


def _name(text: str) -> str:
    name = " ".join(text.split())
    if not 1 <= len(name) <= MAX_NAME or not name.isprintable():
        raise argparse.ArgumentTypeError(f"--name: 1 to {MAX_NAME} printable characters")
    return name


def add_tokens_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `tokens` and its subcommands on the main parser's subparsers."""
    tokens = sub.add_parser("tokens", help="operator API tokens: create, list, revoke")
    commands = tokens.add_subparsers(dest="tokens_command", required=True,
                                     parser_class=parser_class)
    common = parser_class(add_help=False)
    common.add_argument("--redis", help="Redis URL of the service [REDIS_URL]")
    common.add_argument("--redis-prefix", help="key prefix (default abfahrt:) "
                                               "[ABFAHRT_REDIS_PREFIX]")
    common.add_argument("--data-dir", help="data folder of the service when it runs without "
                                           "Redis (default $STATE_DIRECTORY, else "
                                           "~/.local/share/abfahrt) [ABFAHRT_DATA_DIR]")
    create = commands.add_parser("create", parents=[common], help="create a token, print it once")
    create.add_argument("--name", required=True, type=_name, help="who holds it (shown as author)")
    create.add_argument("--role", required=True, choices=[r.value for r in Role],
                        help="operator: notices; admin: notices and the audit log")
    create.set_defaults(func=cmd_create)
    listing = commands.add_parser("list", parents=[common], help="list tokens (never secrets)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    revoke = commands.add_parser("revoke", parents=[common], help="revoke a token by id")
    revoke.add_argument("token_id", help="the id shown by `tokens list`")
    revoke.set_defaults(func=cmd_revoke)


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(redis_url=args.redis, redis_prefix=args.redis_prefix,
                             data_dir=Path(args.data_dir) if args.data_dir else None)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def store_name(settings: Settings) -> str:
    """Which store the tokens are in, in words (a Redis password is never shown)."""
    if settings.redis_url:
        url = urlsplit(settings.redis_url)
        host = url.hostname or ""
        where = url._replace(netloc=f"{host}:{url.port}" if url.port else host).geturl()
        return f"Redis {where} (key prefix {settings.redis_prefix})"
    return f"the file store {(settings.data_dir / 'notices').resolve()}"


def _run(args: argparse.Namespace, action: Callable[[NoticeStore], Awaitable[int]]) -> int:
    settings = _settings(args)
    folder = settings.data_dir / "notices"
    if not settings.redis_url and not (folder / "tokens.json").exists() \
            and args.tokens_command != "create":
        print(f"no token store at {folder.resolve()} (set --data-dir / ABFAHRT_DATA_DIR, "
              f"or --redis / REDIS_URL, as the service has them)", file=sys.stderr)

    async def go() -> int:
        store = open_store(folder, settings.redis_url, settings.redis_prefix)
        try:
            return await action(store)
        finally:
            await store.close()

    try:
        return asyncio.run(go())
    except StoreUnavailable as exc:
        raise UsageError(f"cannot use the token store: {exc}") from exc


def token_audit(action: str, record: dict[str, Any], now: int) -> dict[str, Any]:
    return {"id": record["id"] + f"-{now}", "at": iso(now, ZONE), "action": action,
            "actor": {"token_id": None, "name": f"cli:{getpass.getuser()}", "role": "admin"},
            "via": "cli", "token_id": record["id"], "after": public_token(record)}


def cmd_create(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def action(store: NoticeStore) -> int:
        fresh = not await store.load_tokens()      # a store nobody made a token in yet
        now = int(time.time())
        token, record = new_token(args.name, Role(args.role), iso(now, ZONE))
        await store.save_token(record, token_audit("token-create", record, now))
        print(f"Created {args.role} token {record['id']} for {args.name!r} in "
              f"{store_name(settings)}.")
        if fresh:
            print("This is a new token store: the service must use the same store (data "
                  "folder --data-dir / ABFAHRT_DATA_DIR, or Redis URL and key prefix) or the "
                  "token will be refused.")
        print("The token is shown only once; store it now:")
        print(token)
        return 0
    return _run(args, action)


def cmd_list(args: argparse.Namespace) -> int:
    async def action(store: NoticeStore) -> int:
        records = sorted((public_token(r) for r in (await store.load_tokens()).values()),
                         key=lambda r: r.get("created", ""))
        if args.json:
            json.dump({"tokens": records}, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return 0
        print(f"Tokens in {store_name(_settings(args))}:")
        if not records:
            print("no tokens (create one: abfahrt tokens create --name NAME --role admin)")
        for r in records:
            state = f"revoked {r['revoked']}" if r.get("revoked") else "active"
            print(f"{r['id']}  {r['role']:<8}  {r.get('created', '')}  {state:<8}  {r['name']}")
        return 0
    return _run(args, action)


def cmd_revoke(args: argparse.Namespace) -> int:
    async def action(store: NoticeStore) -> int:
        record = await store.get_token(args.token_id)
        if record is None:
            raise UsageError(f"no token with id {args.token_id!r} (see abfahrt tokens list)")
        if record.get("revoked"):
            print(f"token {args.token_id} was already revoked at {record['revoked']}")
            return 0
        now = int(time.time())
        record = {**record, "revoked": iso(now, ZONE)}
        await store.save_token(record, token_audit("token-revoke", record, now))
        print(f"revoked token {args.token_id} ({record['name']})")
        return 0
    return _run(args, action)
