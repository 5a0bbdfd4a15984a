"""Our own offline IIIF checks: the Presentation 3 JSON Schema and the IIIF Image API reference validator.

``presentation3_errors`` validates a manifest against the IIIF presentation-validator's JSON Schema
(shipped in ``digitizer/schemas/iiif``) with ``jsonschema``; ``broken_manifests`` makes copies with
one known fault each, so a test can show the check catches them.  ``check_level0_tiles`` serves a
tile set made by our tiler on 127.0.0.1 and runs the reference validator (PyPI ``iiif-validator``)
on it at level 0.
"""

from __future__ import annotations

import copy
import functools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from jsonschema import Draft7Validator
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
P3_SCHEMA = REPO / "digitizer" / "schemas" / "iiif" / "iiif_3_0.json"
VALIDATOR = Path(sys.executable).parent / "iiif-validate.py"


def presentation3_errors(doc: dict) -> list[str]:
    """``path: message`` for every schema violation of a Presentation 3 document (empty = valid)."""
    schema = json.loads(P3_SCHEMA.read_text(encoding="utf-8"))
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.path))]


def broken_manifests(good: dict) -> dict[str, dict]:
    """Copies of ``good`` with one fault each (the schema must reject every one)."""
    def changed(fn) -> dict:
        doc = copy.deepcopy(good)
        fn(doc)
        return doc

    return {
        "label not a language map": changed(lambda d: d.update(label="plain string")),
        "canvas missing width": changed(lambda d: d["items"][0].pop("width")),
        "canvas height not a number": changed(lambda d: d["items"][0].update(height="2083")),
        "manifest without id": changed(lambda d: d.pop("id")),
        "P2 context": changed(lambda d: d.update({"@context": "http://iiif.io/api/presentation/2/context.json"})),
    }


def validator_test_pattern(path: Path) -> Path:
    """The validator's 10x10 colour grid (its id_squares test looks for these colours), 1000x1000 px."""
    from iiif_validator.validator import ValidationInfo

    colours = ValidationInfo().colorInfo          # colours[column][row], 100 px cells
    im = Image.new("RGB", (1000, 1000))
    draw = ImageDraw.Draw(im)
    for x in range(10):
        for y in range(10):
            draw.rectangle([x * 100 + 2, y * 100 + 2, x * 100 + 97, y * 100 + 97], fill=tuple(colours[x][y]))
    im.save(path)
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free port); yields ``host:port``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def check_level0_tiles(work: Path, version: str = "3.0") -> subprocess.CompletedProcess:
    """Tile the validator's test pattern with ``python -m digitizer.export.iiif``, serve it, validate level 0."""
    site = work / "site"
    site.mkdir(parents=True, exist_ok=True)
    pattern = validator_test_pattern(work / "testpattern.png")
    with serve_folder(site) as host:
        subprocess.run([sys.executable, "-m", "digitizer.export.iiif", str(pattern), "-d", str(site),
                        "-i", "testpattern", "-p", f"http://{host}"], check=True, capture_output=True, timeout=300)
        return subprocess.run([sys.executable, str(VALIDATOR), "-s", host, "-i", "testpattern",
                               f"--version={version}", "--level=0"], capture_output=True, text=True, timeout=300)
