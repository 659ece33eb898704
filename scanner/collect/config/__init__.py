"""The application-configuration collector: dependencies written in config files.

``collector`` is the entry point the registry loads; the other modules each own one
file family or one step (see docs/collectors-config.md).
"""
