"""kraken HTR engine: baseline segmentation (blla) and line recognition.

Import :mod:`digitizer.engines.kraken.tvcompat` and call ``ensure_torchvision()`` before
anything imports kraken (see TOOLCHAIN.md §2.3); the modules here do it for you.
"""
