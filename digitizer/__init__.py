"""digitizer: offline archive digitization workstation (headless core; Qt only in digitizer.gui)."""

__version__ = "0.1.0"
