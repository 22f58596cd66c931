"""Configuration: the settings (environment and command line) and the displays file, typed and
checked at once, every problem worded for the operator."""
