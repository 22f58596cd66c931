"""On-disk cache of built timetables: one folder of .npy arrays per feed, memory-mapped on load.

Layout of `timetable-<key>-v<FORMAT>/`:

    manifest.json   first line: CRC-32 (hex) of the rest; then JSON: format, metadata, and for
                    every array its file, dtype, shape, byte size and CRC-32
    <field>.npy     one array of the Timetable each (no pickles)
    texts.json      the string tuples (stop names, platforms, headsigns, notes)

Serving processes open the arrays with `np.load(mmap_mode="r")`: nothing is copied, pages are
read on first touch and shared by every process on the host, and the arrays are read-only.

The cache checks itself before it is trusted: the manifest's own CRC, every file's size
(a truncated file), and every file's CRC-32 (a flipped byte). The CRCs are computed with plain
reads into one small buffer — not through the maps, so checking does not make the pages resident
in the serving process — on two threads (the CRC releases the GIL), with ISA-L's CRC-32 when
installed (about 8 GB/s a core here; zlib's 2 GB/s otherwise): a fraction of a second for a
Germany-sized timetable. Anything that does not match is ignored and
rebuilt, never trusted. The folder is written beside the target and renamed into place, so a
reader never sees half a cache.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from feeds.archive import crc32
from feeds.model import Agency, Route
from feeds.timetable import Timetable

FORMAT = 5          # bump when Timetable's fields or meaning change
_META = ("feed_hash", "timezone", "feed_version", "max_span_days", "excluded", "source_counts",
         "region")
_TEXTS = ("stop_name", "stop_platform", "texts", "notes")
_READ = 8 << 20


def cache_path(cache_dir: Path, feed_hash: str) -> Path:
    """Return the cache folder of the timetable whose `feed_hash` is given."""
    return cache_dir / f"timetable-{feed_hash[:32]}-v{FORMAT}"


def file_crc32(path: Path) -> int:
    """Return the CRC-32 of a file, read in chunks (the file is not mapped)."""
    crc = 0
    buffer = bytearray(_READ)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            crc = crc32(view[:n], crc)
    return crc


def _crcs(paths: list[Path]) -> list[int]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(file_crc32, paths))


def save_timetable(tt: Timetable, cache_dir: Path) -> Path:
    """Write `tt` to the cache folder atomically and return the timetable's folder."""
    meta: dict[str, Any] = {k: getattr(tt, k) for k in _META}
    meta["first_day"] = tt.first_day.isoformat()
    meta["agencies"] = [[a.id, a.name, a.timezone, a.url] for a in tt.agencies]
    meta["routes"] = [[r.id, r.short_name, r.long_name, r.type, r.color, r.text_color,
                       r.agency_id] for r in tt.routes]
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_path(cache_dir, tt.feed_hash)
    tmp = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".tmp-"))
    try:
        arrays: dict[str, Any] = {}
        for f in fields(tt):
            value = getattr(tt, f.name)
            if isinstance(value, np.ndarray):
                file = tmp / f"{f.name}.npy"
                np.save(file, value, allow_pickle=False)
                arrays[f.name] = {"file": file.name, "dtype": value.dtype.str,
                                  "shape": list(value.shape), "bytes": file.stat().st_size}
        texts = json.dumps({name: list(getattr(tt, name)) for name in _TEXTS},
                           ensure_ascii=False).encode("utf-8")
        (tmp / "texts.json").write_bytes(texts)
        names = list(arrays)
        for name, crc in zip(names, _crcs([tmp / arrays[n]["file"] for n in names]),
                             strict=True):
            arrays[name]["crc32"] = crc
        manifest = {"format": FORMAT, "meta": meta, "arrays": arrays,
                    "texts": {"bytes": len(texts), "crc32": zlib.crc32(texts)}}
        body = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
        (tmp / "manifest.json").write_bytes(f"{zlib.crc32(body):08x}\n".encode() + body)
        _replace_folder(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _replace_folder(new: Path, target: Path) -> None:
    """Move `new` to `target`; an old folder there is moved aside first, then removed."""
    old = None
    if target.exists() or target.is_symlink():
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        if target.is_dir() and not target.is_symlink():
            os.replace(target, old)
        else:
            target.unlink()
            old = None
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """Return the manifest of a cache folder, None when absent or damaged."""
    try:
        raw = (folder / "manifest.json").read_bytes()
        head, _, body = raw.partition(b"\n")
        if len(head) != 8 or int(head, 16) != zlib.crc32(body):
            return None
        manifest: dict[str, Any] = json.loads(body)
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("format") == FORMAT else None


def _load_array(path: Path, entry: dict[str, Any]) -> np.ndarray[Any, Any]:
    shape = tuple(entry["shape"])
    if int(np.prod(shape)) == 0:
        array: np.ndarray[Any, Any] = np.load(path, allow_pickle=False)
    else:
        # a plain read-only ndarray over the map: np.memmap's Python-level __getitem__ would
        # slow every lookup of a board (the map stays open through the view's base)
        array = np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
    if array.dtype.str != entry["dtype"] or array.shape != shape:
        raise ValueError(f"{path.name}: dtype or shape differs from the manifest")
    return array


def load_cached(cache_dir: Path, feed_hash: str, *, verify: bool = True) -> Timetable | None:
    """Return the cached timetable for `feed_hash` (arrays memory-mapped, read-only), or None
    when it is absent, of another format, truncated or corrupt.

    `verify=False` skips the CRC-32 of the arrays (sizes and the manifest are still checked);
    only for a folder this process has just written and checked.
    """
    folder = cache_path(cache_dir, feed_hash)
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    try:
        meta = manifest["meta"]
        arrays: dict[str, dict[str, Any]] = manifest["arrays"]
        if meta["feed_hash"] != feed_hash:
            return None
        paths = [folder / entry["file"] for entry in arrays.values()]
        if any(p.stat().st_size != e["bytes"] for p, e in zip(paths, arrays.values(),
                                                                 strict=True)):
            return None
        if verify and _crcs(paths) != [e["crc32"] for e in arrays.values()]:
            return None
        raw_texts = (folder / "texts.json").read_bytes()
        if (len(raw_texts) != manifest["texts"]["bytes"]
                or zlib.crc32(raw_texts) != manifest["texts"]["crc32"]):
            return None
        texts = json.loads(raw_texts)
        values: dict[str, Any] = {k: meta[k] for k in _META}
        values["first_day"] = dt.date.fromisoformat(meta["first_day"])
        values["agencies"] = tuple(Agency(*a) for a in meta["agencies"])
        values["routes"] = tuple(Route(*r) for r in meta["routes"])
        for name in _TEXTS:
            values[name] = tuple(texts[name])
        for (name, entry), path in zip(arrays.items(), paths, strict=True):
            values[name] = _load_array(path, entry)
        return Timetable(**values)
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None
