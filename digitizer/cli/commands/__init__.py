"""Each module here defines ``register(subparsers)`` adding one (or a group of) sub-command(s).

The parser built by ``register`` sets ``func=<callable(args) -> int>`` with ``set_defaults``.
Modules are discovered automatically (sorted by name); adding a command never touches main.py.
"""
