"""The null engine: image-only runs (like OCRmyPDF's ``--ocr-engine none``)."""

from __future__ import annotations

from PIL import Image

from .. import __version__
from ..model import PageLayout
from ..progress import CancelToken
from .base import Engine, EngineInfo, RecognitionOptions


class NullEngine(Engine):
    name = "none"
    capabilities = frozenset()

    def info(self) -> EngineInfo:
        return EngineInfo(name="none", version=__version__)

    def process(self, image: Image.Image, opts: RecognitionOptions, cancel: CancelToken | None = None) -> PageLayout:
        return PageLayout(width=image.width, height=image.height)
