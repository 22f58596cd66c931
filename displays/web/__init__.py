"""HTTP: thin handlers over the runtime, and the plumbing they share.

`api` (JSON API), `pages` (pillar HTML and text), `ops` (health, readiness, metrics), `http`
(conditional responses, errors, the guard around every handler), `params`, `rate_limit`,
`openapi`, `appkeys`.
May import: `service`, `board`, `feeds`, `realtime`. Never `cli`, `notices`, `app`.
"""
