"""Getting pages in at the workstation: SANE scanners, hot folders, cameras, capture QC, page structure.

Headless (no Qt).  Hardware bindings (python-sane, OpenCV VideoCapture) are imported lazily so
that importing this package never needs a scanner or camera.
"""
