"""HTTP: thin handlers over the runtime, and the plumbing they share.

`api` (JSON API), `pages` (pillar HTML and text), `readout`, `ops` (health, readiness,
metrics), `answers` (ETag/304, gzip and every header of an answer), `http` (errors, the guard
around every handler), `pillar_polls`, `params`, `rate_limit`, `openapi`, `appkeys`.
May import: `service`, `board`, `feeds`, `realtime`. Never `cli`, `notices`, `app`.
"""
