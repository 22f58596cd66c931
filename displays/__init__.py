"""The async shell: CLI, aiohttp app, cache port, scheduled jobs, notices, view-models."""
