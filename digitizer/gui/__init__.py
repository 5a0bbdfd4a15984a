"""The PySide6 workstation: a thin client over the headless core (the only package importing Qt)."""
