"""Operator notices: authored, validated, stored, shown on every matching board, exported.

Modules: `model` (records), `validation` (input → record, 422 field names), `matching` (which
notices a board shows at an instant; pure), `alerts` (a notice as a board alert), `export`
(GTFS-RT JSON mapping), `store` (the store interface) with `file_store` and `redis_store`
(files or Redis) chosen by `storage`, `auth` (tokens, roles, write rate limit), `sessions`
(operator page), `service` (the snapshot boards read and the writes), `api` + `operator` +
`operator_form` + `operator_text` (HTTP), `setup` (routes and the store's lifetime).
May import: `web` (response helpers, app keys), `service`, `board`, the cores. Never `cli`, `app`.
"""
