"""Interoperability with the tools around us: import transcriptions made elsewhere (PAGE, ALTO,
hOCR, Transkribus and eScriptorium export zips).  See docs/interop.md."""

from .readers import Transcription, read_transcription
from .transcriptions import TranscriptionReport, import_transcriptions, match_page

__all__ = ["Transcription", "TranscriptionReport", "import_transcriptions", "match_page", "read_transcription"]
