"""Realtime sources in the service: poll (leader) or receive through Redis (followers), resolve
off the event loop, and report how well each source fits the timetable."""
