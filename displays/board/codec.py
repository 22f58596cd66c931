"""A board as bytes for the shared cache, and back: the JSON of its frozen dataclasses.

Every instance reads boards the leader wrote, so decoding checks each value against the type
the dataclass declares (`typing.get_type_hints`) and rebuilds the same typed `Board`; anything
else (another version's shape, damaged bytes) is a `BoardCodecError`, and the reader computes
the board itself. Decoders are made once per type.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import types
import typing
from collections.abc import Callable
from functools import cache

from displays.board.model import Board

Decoder = Callable[[object], object]


class BoardCodecError(ValueError):
    """The bytes are not a board of this version."""


def encode_board(board: Board) -> bytes:
    return json.dumps(_plain(board), ensure_ascii=False, separators=(",", ":")).encode()


def decode_board(raw: bytes | str) -> Board:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise BoardCodecError(f"not JSON: {exc}") from None
    return board_from_plain(value)


def board_from_plain(value: object) -> Board:
    """A board from its decoded JSON (`encode_board`'s shape)."""
    board = _decoder(Board)(value)
    assert isinstance(board, Board)
    return board


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@cache
def _decoder(tp: object) -> Decoder:
    """The decoder of values of type `tp` (a type hint)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return _union([_decoder(a) for a in args if a is not type(None)],
                      type(None) in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence(_decoder(args[0]))
        return _fixed([_decoder(a) for a in args])
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return _record(tp)
        if issubclass(tp, enum.Enum):
            return _enum(tp)
        if tp is dt.date:
            return _date
        if tp in (str, int, float, bool):
            return _scalar(tp)
    raise TypeError(f"no board codec for {tp!r}")


def _fail(what: str, value: object) -> BoardCodecError:
    return BoardCodecError(f"expected {what}, got {type(value).__name__}")


def _union(choices: list[Decoder], optional: bool) -> Decoder:
    def decode(value: object) -> object:
        if value is None and optional:
            return None
        for choice in choices[:-1]:
            try:
                return choice(value)
            except BoardCodecError:
                continue
        return choices[-1](value)
    return decode


def _sequence(item: Decoder) -> Decoder:
    def decode(value: object) -> object:
        if not isinstance(value, list):
            raise _fail("a list", value)
        return tuple(item(v) for v in value)
    return decode


def _fixed(items: list[Decoder]) -> Decoder:
    def decode(value: object) -> object:
        if not isinstance(value, list) or len(value) != len(items):
            raise _fail(f"a list of {len(items)}", value)
        return tuple(item(v) for item, v in zip(items, value, strict=True))
    return decode


def _record(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(cls) if f.init]

    def decode(value: object) -> object:
        if not isinstance(value, dict):
            raise _fail(f"a {cls.__name__}", value)
        try:
            return cls(**{name: field(value[name]) for name, field in fields
                          if name in value})
        except TypeError as exc:            # a field without a default is missing
            raise BoardCodecError(f"{cls.__name__}: {exc}") from None
    return decode


def _enum(cls: type[enum.Enum]) -> Decoder:
    def decode(value: object) -> object:
        try:
            return cls(value)
        except ValueError:
            raise _fail(cls.__name__, value) from None
    return decode


def _date(value: object) -> object:
    if not isinstance(value, str):
        raise _fail("a date", value)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail("a date", value) from None


def _scalar(tp: type) -> Decoder:
    def decode(value: object) -> object:
        if tp is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
            raise _fail(tp.__name__, value)
        return value
    return decode
