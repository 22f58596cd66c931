"""The standards German and European transit systems speak, written from the typed `Board`:
SIRI 2.1 StopMonitoring (and SIRI Lite JSON) and SituationExchange, OJP 2.0 and TRIAS 1.4
stop events and location search.

One module per standard (`siri_sm`, `siri_sx`, `siri_lite`, `ojp`, `trias`), each a pure
function of a board (of board alerts for SX, of found stops for a location search) to XML, and
the reading of that standard's request into a typed query (a request that is not one gets the
standard's own error element). `tree` builds the XML, `request` reads it safely (no DTD, no
entities, no network), `query` is what every standard asks of a stop's board.
May import: `board`, `feeds`, `realtime`. Never `service`, `web`, `notices`, `cli`, `app`.
"""
