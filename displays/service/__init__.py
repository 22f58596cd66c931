"""The running service: state, time, jobs and the shared cache, without HTTP.

`runtime` (the current timetable, realtime and boards), `clock`, `settings`, `displays_file`,
`jobs` (APScheduler: realtime poll, board refresh, static check), `leader` (Redis lock),
`board_cache` + `keys` (the Redis port; every key in one module), `realtime_hub`,
`static_fetch` + `static_feed` + `static_build` (download, check, build in a child process, the
last good timetable), `startup` (where a start is while its first timetable builds), `heap`,
`loop_lag`, `stop_search`, `metrics`.
May import: `board`, `demo`, `feeds`, `realtime`. Never `web`, `cli`, `notices`, `app`.
"""
