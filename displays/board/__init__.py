"""The board: one view-model per board and everything that turns it into what a screen shows.

`model` (a stop's departures, realtime status and alerts at an instant), `compose` (filters,
several stops, a display's board), `display` (what a display asks for), `document` (the
contract JSON), `pillar` (rows of words as a pillar shows them), `wording` (German first),
`themes`, `html`, `text`. Pure: the instant is an argument; no I/O.
May import: `feeds`, `realtime`, and itself. Never `service`, `web`, `cli`, `notices`.
"""
