"""The async shell around the pure cores (`feeds/`, `realtime/`), in rooms by job.

Imports run downward only (a test, tests/test_imports.py, keeps it so):

    app, cli        the composition root (app factory, cleanup contexts) and the `abfahrt` command
    notices         operator notices: a feature with its own handlers, service and stores
    web             HTTP: handlers, parameters, responses, guard, rate limit, OpenAPI
    standards       SIRI, OJP, TRIAS: the board in the standards' XML, their requests read
    service         runtime state, jobs, leader lock, board cache, realtime hub, settings, clock
    board           the board view-model and every rendering of it (JSON, HTML, text)
    demo            the invented Mainz network and its simulated realtime
    feeds, realtime the pure cores: static timetable, GTFS-RT
"""
