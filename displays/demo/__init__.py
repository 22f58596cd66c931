"""The bundled demo: an invented Mainz-like network, its displays, and simulated realtime."""
