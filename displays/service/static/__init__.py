"""The static feed: download, check, build in a child process, open the memory-mapped cache,
keep the last good timetable, and say how long it is valid."""
