"""Command line front end: ``digitizer <command>``; one module per command in ``commands/``."""
