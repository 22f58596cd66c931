"""The `abfahrt` command: `main` (the parser), shared pieces in `common`, one module per
subcommand (`departures`, `feed_info`, `realtime` for rt-info, `serve`, `tokens`).
May import every room below it: `app`, `notices`, `web`, `service`, `board`, the cores.
"""
