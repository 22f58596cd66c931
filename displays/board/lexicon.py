"""Word lists as data: screen abbreviations and the spoken pronunciation lexicon, per city.

A lexicon is a TOML file with up to three tables, applied in this order:

    [patterns]  regular expressions -> replacement ("\\bS ?(\\d{1,2})\\b" = "S-Bahn \\1")
    [words]     whole words -> replacement ("Hbf" = "Hauptbahnhof", "Str." = "Straße")
    [suffixes]  ends of compound words -> replacement ("str." = "straße": Poststr. -> Poststraße)

The package ships defaults in `displays/board/data/`; a city's own file (a setting names it)
is merged over them, its entries winning. Longer entries are tried before shorter ones, and
every replacement is made in one pass, so a replacement is never replaced again.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TABLES = ("patterns", "words", "suffixes")


class LexiconError(ValueError):
    """A lexicon file is unreadable or has an entry that cannot work; the message names it."""


def _alternation(entries: Mapping[str, str], before: str, after: str) -> re.Pattern[str] | None:
    if not entries:
        return None
    keys = sorted(entries, key=lambda k: (-len(k), k))
    return re.compile(before + "(" + "|".join(re.escape(k) for k in keys) + ")" + after)


class Lexicon:
    """Replacement tables, compiled once; `apply` is pure and cheap."""

    def __init__(self, patterns: tuple[tuple[str, str], ...] = (),
                 words: Mapping[str, str] | None = None,
                 suffixes: Mapping[str, str] | None = None) -> None:
        self.patterns = patterns
        self.words = dict(words or {})
        self.suffixes = dict(suffixes or {})
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        for pattern, replacement in patterns:
            try:
                self._patterns.append((re.compile(pattern), replacement))
            except re.error as exc:
                raise LexiconError(f"patterns: {pattern!r} is not a regular expression: {exc}"
                                   ) from None
        self._words = _alternation(self.words, r"(?<!\w)", r"(?!\w)")
        self._suffixes = _alternation(self.suffixes, r"(?<=\w)", r"(?!\w)")

    def apply(self, text: str) -> str:
        """Return `text` with every pattern, word and suffix replaced."""
        for pattern, replacement in self._patterns:
            text = pattern.sub(replacement, text)
        if self._words is not None:
            text = self._words.sub(lambda m: self.words[m.group(1)], text)
        if self._suffixes is not None:
            text = self._suffixes.sub(lambda m: self.suffixes[m.group(1)], text)
        return text

    def merged(self, other: Lexicon) -> Lexicon:
        """Return this lexicon with `other`'s entries added, `other` winning."""
        patterns = dict(self.patterns)
        patterns.update(other.patterns)
        return Lexicon(patterns=tuple(patterns.items()),
                       words={**self.words, **other.words},
                       suffixes={**self.suffixes, **other.suffixes})


def parse_lexicon(text: str, where: str) -> Lexicon:
    """Return the lexicon of a TOML text; raise LexiconError naming `where` and the entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{where}: {exc}") from None
    unknown = set(data) - set(TABLES)
    if unknown:
        raise LexiconError(f"{where}: unknown table(s) {', '.join(sorted(unknown))}; "
                           f"known: {', '.join(TABLES)}")
    tables: dict[str, dict[str, str]] = {}
    for name in TABLES:
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(
                isinstance(k, str) and k and isinstance(v, str) for k, v in table.items()):
            raise LexiconError(f"{where}: [{name}] must map non-empty text to text")
        tables[name] = table
    return Lexicon(patterns=tuple(tables["patterns"].items()), words=tables["words"],
                   suffixes=tables["suffixes"])


def load_lexicon(name: str, override: Path | None = None) -> Lexicon:
    """Return the packaged lexicon `name` (e.g. "abbreviations"), with a city's file over it."""
    base = parse_lexicon((DATA_DIR / f"{name}.toml").read_text(encoding="utf-8"), name)
    if override is None:
        return base
    try:
        text = override.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{override}: {exc}") from None
    return base.merged(parse_lexicon(text, str(override)))
