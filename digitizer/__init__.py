"""digitizer: offline archive digitization workstation (headless core; Qt only in digitizer.gui)."""

# Pillow's FreeType must be loaded before libvips (pyvips) pulls the system libfreetype into the
# process: otherwise Pillow's text functions bind to the wrong FreeType and return garbage metrics
# (a 34 px "Hello World" 3 million pixels wide).  Importing ImageFont loads Pillow's own copy first.
from PIL import ImageFont as _pillow_freetype  # noqa: F401

__version__ = "0.1.0"
