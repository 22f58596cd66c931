"""The feed zip as an untrusted archive: its identity, and its members streamed under size caps.

A zip's central directory already names every member with its size and CRC-32, so the feed's
identity is a hash of that directory and the file size: a restart never reads the whole zip.

Members are never read whole into memory. Inflated sizes are checked twice: from the central
directory before anything is inflated, and again while streaming, because the declared sizes can
lie (a 2 MB zip whose stop_times.txt inflates to 839 MB is a zip bomb, issue 15.7).
"""

from __future__ import annotations

import codecs
import hashlib
import importlib
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from feeds.errors import FeedInvalid, FeedTooLarge, FeedUnavailable


def _load_isal() -> Any:
    """ISA-L's inflate (the isal package) when installed; zipfile's zlib otherwise."""
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:  # pragma: no cover - depends on the environment
        return None


_isal: Any = _load_isal()
_crc32: Any = _isal.crc32 if _isal is not None else zlib.crc32


def crc32(data: Any, value: int = 0) -> int:
    """zlib's CRC-32 (the same values), with ISA-L's (about 4x faster) when installed."""
    result: int = _crc32(data, value)
    return result


_READ_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error,
    *((_isal.error,) if _isal is not None else ()))

GIB = 1 << 30
MIB = 1 << 20
CHUNK = 4 * MIB
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Caps on what a feed zip may inflate to; a member beyond any of them is refused."""

    max_member_bytes: int = 8 * GIB       # one member, inflated
    max_total_bytes: int = 12 * GIB       # all members read, inflated
    max_ratio: int = 200                  # inflated / compressed, for members above ratio_from
    ratio_from_bytes: int = 32 * MIB      # small members may compress better (headers, repeats)


DEFAULT_LIMITS = ZipLimits()


def feed_identity(path: Path) -> str:
    """Return a hex digest naming the feed's content, without reading the whole zip.

    For a zip: sha256 of the file size and every member's name, sizes and CRC-32 from the
    central directory. For a folder: sha256 of its .txt files in name order (folders are for
    tests and small feeds).
    """
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(path.glob("*.txt")):
            digest.update(file.name.encode() + b"\0")
            with file.open("rb") as fh:
                for chunk in iter(lambda: fh.read(MIB), b""):
                    digest.update(chunk)
        return digest.hexdigest()
    try:
        size = path.stat().st_size
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FeedUnavailable(f"{path}: not a readable GTFS zip ({exc})") from exc
    digest.update(f"zip {size}\n".encode())
    for info in infos:
        digest.update(f"{info.filename}\0{info.file_size}\0{info.compress_size}\0"
                      f"{info.CRC:08x}\n".encode())
    return digest.hexdigest()


def check_declared(info: zipfile.ZipInfo, limits: ZipLimits, total: int) -> None:
    """Refuse a member whose central-directory sizes already break a cap."""
    name = info.filename
    if info.file_size > limits.max_member_bytes:
        raise FeedTooLarge(f"{name}: inflates to {info.file_size:,} bytes, more than the limit "
                           f"of {limits.max_member_bytes:,} per file")
    if total + info.file_size > limits.max_total_bytes:
        raise FeedTooLarge(f"{name}: the feed inflates to more than the limit of "
                           f"{limits.max_total_bytes:,} bytes")
    if (info.file_size > limits.ratio_from_bytes
            and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
        raise FeedTooLarge(f"{name}: compressed 1:{info.file_size // max(info.compress_size, 1)}"
                           f" (limit 1:{limits.max_ratio}); refused as a zip bomb")


def stream_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits,
                  total: int) -> Iterator[bytes]:
    """Yield the inflated bytes of one member in chunks, enforcing the caps on what is read.

    `total` is what earlier members inflated to. zipfile checks the CRC-32 at the end.
    """
    check_declared(info, limits, total)
    name = info.filename
    read = 0
    ratio_cap = max(limits.ratio_from_bytes, limits.max_ratio * max(info.compress_size, 1))
    try:
        for chunk in _inflate(zf, info):
            read += len(chunk)
            if read > info.file_size:
                raise FeedInvalid(name, f"inflates beyond its declared size of "
                                        f"{info.file_size:,} bytes")
            if read > limits.max_member_bytes or total + read > limits.max_total_bytes:
                raise FeedTooLarge(f"{name}: inflates beyond the size limit")
            if read > ratio_cap:
                raise FeedTooLarge(f"{name}: inflates beyond 1:{limits.max_ratio} of its "
                                   "compressed size; refused as a zip bomb")
            yield chunk
    except _READ_ERRORS as exc:
        raise FeedUnavailable(f"{name}: cannot be read from the zip ({exc})") from exc


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Yield a member's inflated bytes: with ISA-L when it is installed (about twice zlib's
    speed: the inflate is a good part of a national build), else through zipfile."""
    if (_isal is None or info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1
            or not isinstance(zf.filename, str)):
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
        return
    with open(zf.filename, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header of {info.filename}")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        inflater = _isal.decompressobj(-15)
        left, crc, size = info.compress_size, 0, 0
        while left > 0 or inflater.unconsumed_tail:
            data = inflater.unconsumed_tail
            if not data:
                data = fh.read(min(left, MIB))
                if not data:
                    raise zipfile.BadZipFile(f"{info.filename} is truncated")
                left -= len(data)
            chunk = inflater.decompress(data, CHUNK)     # bounded: a bomb inflates stepwise
            if chunk:
                crc = _isal.crc32(chunk, crc)
                size += len(chunk)
                yield chunk
        tail = inflater.flush()
        if tail:
            crc = _isal.crc32(tail, crc)
            size += len(tail)
            yield tail
    if crc != info.CRC or size != info.file_size:
        raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {info.filename!r}")


@dataclass(frozen=True, slots=True)
class Extracted:
    """A member written as clean UTF-8 (no BOM)."""

    path: Path
    inflated_bytes: int       # size in the zip, inflated
    has_content: bool         # any non-whitespace byte
    recoded: bool             # it was not UTF-8 and was decoded as Latin-1


def extract_clean(open_chunks: Callable[[], Iterator[bytes]], target: Path) -> Extracted:
    """Write a member as clean UTF-8 to `target`, streaming: UTF-8 (BOM dropped) or Latin-1.

    `open_chunks` is called once, or twice when the member turns out not to be UTF-8.
    """
    size = 0
    content = False
    decoder = codecs.getincrementaldecoder("utf-8")()
    recoded = False
    first = True
    with target.open("wb") as out:
        for chunk in open_chunks():
            size += len(chunk)
            if first:
                chunk = chunk.removeprefix(UTF8_BOM)
                first = False
            content = content or bool(chunk.strip())
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                recoded = True
                break
            out.write(chunk)
        if not recoded:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                recoded = True
    if recoded:
        size, content = _write_latin1(open_chunks, target)
    return Extracted(target, size, content, recoded)


def _write_latin1(open_chunks: Callable[[], Iterator[bytes]], target: Path) -> tuple[int, bool]:
    size = 0
    content = False
    with target.open("wb") as out:
        for chunk in open_chunks():
            size += len(chunk)
            content = content or bool(chunk.strip())
            out.write(chunk.decode("latin-1").encode("utf-8"))
    return size, content


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a feed zip; raise FeedUnavailable when it is not one."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FeedUnavailable(f"{path}: not a readable GTFS zip ({exc})") from exc


def read_file_chunks(file: Path) -> Callable[[], Iterator[bytes]]:
    """Return a chunk source for a plain file (a feed folder's member)."""
    def chunks() -> Iterator[bytes]:
        with file.open("rb") as fh:
            fh_io: IO[bytes] = fh
            while chunk := fh_io.read(CHUNK):
                yield chunk
    return chunks


class ChunkStream(io.RawIOBase):
    """A read-only binary stream over a chunk source (for readers that want a file object)."""

    def __init__(self, chunks: Iterator[bytes], size: int = 0,
                 on_close: Callable[[], object] | None = None) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")
        self.size = size                  # the inflated size, when known (progress estimates)
        self._on_close = on_close

    def close(self) -> None:
        if not self.closed and self._on_close is not None:
            self._on_close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` as far as the data goes (readers ask for whole blocks: a short read
        would make them work in chunk-sized blocks)."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view):
            if not self._pending:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._pending = memoryview(chunk)
            n = min(len(view) - filled, len(self._pending))
            view[filled:filled + n] = self._pending[:n]
            self._pending = self._pending[n:]
            filled += n
        return filled


def open_member_stream(path: Path, name: str, limits: ZipLimits, total: int) -> ChunkStream:
    """Open one member of a zip as a capped, inflating stream (the zip is closed with it)."""
    zf = open_zip(path)
    try:
        info = zf.getinfo(name)
    except KeyError as exc:
        zf.close()
        raise FeedUnavailable(f"{path}: {name} vanished from the zip") from exc
    return ChunkStream(stream_member(zf, info, limits, total), info.file_size, zf.close)
