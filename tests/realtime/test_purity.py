"""Cheap style rules: no clock in realtime/, protobuf only in decode and encode."""

from __future__ import annotations

import re
from pathlib import Path

import realtime

PACKAGE = Path(realtime.__file__).parent
CLOCK = re.compile(r"\b(datetime\.now|dt\.datetime\.now|time\.time|time\.monotonic|date\.today|"
                   r"datetime\.utcnow)\s*\(")


def test_no_module_reads_the_clock() -> None:
    offenders = [p.name for p in PACKAGE.glob("*.py") if CLOCK.search(p.read_text())]
    assert offenders == []


def test_only_decode_and_encode_import_the_protobuf_schema() -> None:
    users = sorted(p.name for p in PACKAGE.glob("*.py") if "gtfs_realtime_pb2" in p.read_text())
    assert users == ["decode.py", "encode.py"]


def test_only_fetch_is_async() -> None:
    users = sorted(p.name for p in PACKAGE.glob("*.py")
                   if re.search(r"^\s*async def ", p.read_text(), re.M))
    assert users == ["fetch.py"]
