"""What several instances share through Redis: every key and TTL, the leader lock, the board
cache with its pub/sub invalidation, and the pillars' contacts."""
