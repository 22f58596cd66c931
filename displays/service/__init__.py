"""The running service: state, time, jobs and the shared cache, without HTTP.

In rooms by capability: `speech/` (readout audio), `static/` (the static feed: fetch, build,
validity), `live/` (realtime sources: hub, resolver, fit), `cluster/` (Redis: keys, leader lock,
board cache, display contacts), `config/` (settings and the displays file). Beside them:
`runtime` (the current timetable, realtime and boards), `jobs` (APScheduler), `clock`,
`startup`, `stop_search`, `metrics`, `heap`, `loop_lag`.
May import: `board`, `demo`, `feeds`, `realtime`. Never `web`, `cli`, `notices`, `app`.
"""
