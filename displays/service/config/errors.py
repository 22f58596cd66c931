"""Configuration errors as people read them: every error at once, each naming where, the value,
and what is allowed ("did you mean" for a misspelt key).

Settings (environment, command line) and the displays file are validated with pydantic; this
module turns a `pydantic.ValidationError` into those lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

Location = tuple[int | str, ...]


class ConfigError(ValueError):
    """A configuration that cannot work; `problems` lists every error, one line each."""

    def __init__(self, what: str, problems: Sequence[str]) -> None:
        self.what = what
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{what}: " if count == 1 else f"{what}: {count} errors:\n  "
        super().__init__(head + "\n  ".join(self.problems))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return " (did you mean 'X'?)" for the closest known name, or ""."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_key(name: str, known: Iterable[str]) -> str:
    return f"unknown key{did_you_mean(name, known)}"


_PLAIN = {
    "int_parsing": "must be a whole number", "int_type": "must be a whole number",
    "int_from_float": "must be a whole number", "float_parsing": "must be a number",
    "float_type": "must be a number", "string_type": "must be text",
    "list_type": "must be a list", "dict_type": "must be a table",
    "model_type": "must be a table", "bool_type": "must be true or false",
    "bool_parsing": "must be true or false", "missing": "is required",
    "finite_number": "must be a finite number",
}


def describe(error: ErrorDetails) -> str:
    """One pydantic error as "what is allowed" in plain words."""
    kind, ctx = error["type"], dict(error.get("ctx") or {})
    if kind == "string_pattern_mismatch":
        return f"must match {ctx['pattern']}"
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    if kind == "greater_than":
        return f"must be more than {ctx['gt']}"
    if kind == "less_than":
        return f"must be less than {ctx['lt']}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    if kind == "too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else \
            f"needs at least {ctx.get('min_length')} items"
    if kind == "string_too_long":
        return f"at most {ctx['max_length']} characters"
    if kind == "string_too_short":
        return "must not be empty"
    message = str(error.get("msg", kind))
    return message.removeprefix("Value error, ")


def format_errors(exc: ValidationError, name: Callable[[Location], str],
                  known: Callable[[Location], Iterable[str]], with_value: bool = True,
                  rules: Mapping[str, str] | None = None) -> list[str]:
    """Return one line per error: `name(location)`, the value given, and what is allowed.

    `known(location of the parent)` lists the keys allowed there (for "did you mean");
    `with_value=False` when `name` already shows the value; `rules` words an error type
    better than the generic text (e.g. what a pattern allows).
    """
    lines = []
    for error in exc.errors():
        loc: Location = tuple(error["loc"])
        where = name(loc)
        if error["type"] == "extra_forbidden":
            lines.append(f"{where}: {unknown_key(str(loc[-1]), known(loc[:-1]))}")
        elif error["type"] == "missing":
            lines.append(f"{where}: is required")
        else:
            allowed = (rules or {}).get(error["type"]) or describe(error)
            value = f" = {error.get('input')!r}" if with_value else ""
            lines.append(f"{where}{value}: {allowed}")
    return lines
