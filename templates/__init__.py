"""Jinja2 templates (a package so that they install with the distribution)."""
