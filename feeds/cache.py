"""On-disk cache of built timetables, keyed by the feed's content hash.

File layout: 32 bytes sha256 of the rest, then an uncompressed .npz (no pickles). A file whose
digest, format or feed hash does not match is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from feeds.model import Agency, Route
from feeds.timetable import Timetable

FORMAT = 4          # bump when Timetable's fields or meaning change
_META = ("feed_hash", "timezone", "feed_version", "max_span_days", "excluded", "source_counts")
_TEXTS = ("stop_name", "stop_platform", "texts", "notes")


def cache_path(cache_dir: Path, feed_hash: str) -> Path:
    return cache_dir / f"timetable-{feed_hash[:32]}-v{FORMAT}.npz"


def _encode_texts(values: tuple[str, ...]) -> np.ndarray[Any, Any]:
    return np.frombuffer(json.dumps(list(values)).encode("utf-8"), dtype=np.uint8)


def save_timetable(tt: Timetable, cache_dir: Path) -> Path:
    """Write `tt` atomically to the cache folder and return the file's path."""
    arrays: dict[str, Any] = {}
    meta: dict[str, Any] = {k: getattr(tt, k) for k in _META}
    meta["first_day"] = tt.first_day.isoformat()
    meta["format"] = FORMAT
    meta["agencies"] = [[a.id, a.name, a.timezone, a.url] for a in tt.agencies]
    meta["routes"] = [[r.id, r.short_name, r.long_name, r.type, r.color, r.text_color,
                       r.agency_id] for r in tt.routes]
    for f in fields(tt):
        value = getattr(tt, f.name)
        if isinstance(value, np.ndarray):
            arrays[f.name] = value
        elif f.name in _TEXTS:
            arrays[f.name] = _encode_texts(value)
    arrays["_meta"] = _encode_texts((json.dumps(meta),))
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    payload = buffer.getvalue()
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_path(cache_dir, tt.feed_hash)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(hashlib.sha256(payload).digest())
        fh.write(payload)
    os.replace(tmp, target)
    return target


def load_cached(cache_dir: Path, feed_hash: str) -> Timetable | None:
    """Return the cached timetable for `feed_hash`, or None when absent, stale or corrupt."""
    path = cache_path(cache_dir, feed_hash)
    try:
        # streamed: the digest is checked and the arrays read without a copy of the whole file
        with path.open("rb") as fh:
            digest = fh.read(32)
            hasher = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                hasher.update(chunk)
            if len(digest) != 32 or hasher.digest() != digest:
                return None
            fh.seek(32)
            with np.load(fh, allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError):
        return None
    try:
        meta = json.loads(json.loads(data.pop("_meta").tobytes().decode("utf-8"))[0])
        if meta.get("format") != FORMAT or meta.get("feed_hash") != feed_hash:
            return None
        values: dict[str, Any] = {k: meta[k] for k in _META}
        values["first_day"] = dt.date.fromisoformat(meta["first_day"])
        values["agencies"] = tuple(Agency(*a) for a in meta["agencies"])
        values["routes"] = tuple(Route(*r) for r in meta["routes"])
        for name in _TEXTS:
            values[name] = tuple(json.loads(data.pop(name).tobytes().decode("utf-8")))
        values.update(data)
        return Timetable(**values)
    except (ValueError, KeyError, TypeError, OSError, json.JSONDecodeError):
        return None
