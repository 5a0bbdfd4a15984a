"""The engine interface every recognition engine implements (Tesseract, kraken, null, ...).

Results are always returned in the coordinates of the image the engine was given; the
pipeline maps them back to the master through the page's :class:`~digitizer.model.Transform`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator

from PIL import Image

from ..model import Line, PageLayout, ProcessingStep
from ..progress import CancelToken

# capability flags
SEGMENT = "segment"
RECOGNIZE = "recognize"
WORD_CONFIDENCES = "word_confidences"
CHAR_CONFIDENCES = "char_confidences"
BASELINES = "baselines"
POLYGONS = "polygons"
ORIENTATION = "orientation"
TRAINABLE = "trainable"


@dataclass
class EngineInfo:
    name: str
    version: str
    languages: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)


@dataclass
class RecognitionOptions:
    languages: list[str] = field(default_factory=lambda: ["eng"])
    model: Any = None                   # engine-specific model: name/path (kraken: a file or a resolved ModelInfo)
    segmentation_model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)   # engine-specific settings from the profile


class Engine(abc.ABC):
    """Small ABC: ``info``, ``capabilities``, ``segment``, ``recognize``, ``process``."""

    name: ClassVar[str] = "abstract"
    capabilities: ClassVar[frozenset[str]] = frozenset()

    @abc.abstractmethod
    def info(self) -> EngineInfo:
        """Name, version, installed languages/models. Raises MissingDependencyError with a hint."""

    def segment(self, image: Image.Image, opts: RecognitionOptions) -> PageLayout:
        raise NotImplementedError(f"engine {self.name} cannot segment on its own")

    def recognize(self, image: Image.Image, layout: PageLayout, opts: RecognitionOptions,
                  cancel: CancelToken | None = None) -> Iterator[Line]:
        """Yield the lines of ``layout`` with text filled in, one at a time (for progress/cancel)."""
        raise NotImplementedError(f"engine {self.name} cannot recognise a given layout")

    def process(self, image: Image.Image, opts: RecognitionOptions,
                cancel: CancelToken | None = None) -> PageLayout:
        """Segment and recognise a whole page. Default: ``segment`` then ``recognize``."""
        layout = self.segment(image, opts)
        by_id = {ln.id: ln for ln in self.recognize(image, layout, opts, cancel)}
        for block in layout.blocks:
            block.lines = [by_id.get(ln.id, ln) for ln in block.lines]
        return layout

    def step(self, action: str, opts: RecognitionOptions, **parameters: Any) -> ProcessingStep:
        """The provenance record for one run of this engine."""
        inf = self.info()
        params = {"languages": list(opts.languages), **opts.extra, **parameters}
        return ProcessingStep(action=action, tool=inf.name, tool_version=inf.version, parameters=params,
                              model=getattr(opts.model, "name", opts.model),
                              model_sha256=getattr(opts.model, "sha256", None) or None)
