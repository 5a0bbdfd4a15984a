"""Quality you can prove: targets, stratified samples, honest intervals, gold pages, double keying,
versioned guidelines, calibration and the export release gate.  See ``docs/quality.md``.

Headless (no Qt); the CLI (``digitizer qa``) and the GUI's QA panel only call these modules.
"""
