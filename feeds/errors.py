"""Errors of the static feed layer. Views translate them; nothing here is an HTTP concept."""

from __future__ import annotations


class FeedError(Exception):
    """A static GTFS feed could not be turned into a timetable."""


class FeedUnavailable(FeedError):
    """The feed could not be read at all (missing file, download failed, not a zip)."""


class FeedInvalid(FeedError):
    """The feed was read but cannot work; the message names file, row and field."""

    def __init__(self, file: str, message: str, *, row: int | None = None,
                 field: str | None = None) -> None:
        where = file
        if row is not None:
            # row counts data rows from 1; the line adds the header line
            where += f", row {row} (line {row + 1})"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")
        self.file = file
        self.detail = message
        self.row = row
        self.field = field

    def __reduce__(self) -> tuple[object, ...]:
        # pickled across the build process boundary (feeds.build_process)
        return (_invalid, (self.file, self.detail, self.row, self.field))


def _invalid(file: str, message: str, row: int | None, field: str | None) -> FeedInvalid:
    return FeedInvalid(file, message, row=row, field=field)


class FeedTooLarge(FeedError):
    """The feed is beyond a size or memory limit (a zip bomb, or a build over its memory cap)."""


class FeedBuildFailed(FeedError):
    """The build process ended without a timetable (it crashed or was killed)."""
