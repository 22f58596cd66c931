"""GTFS-Realtime: fetch, parse once into frozen records, resolve trip instances, merge."""
