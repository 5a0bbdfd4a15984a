"""The one transcription normalisation used for HTR training and for evaluation (docs/htr.md).

The sources (HTR-United: Testaments de Poilus, LECTAUREP, CREMMA) differ in small conventions;
``transcription()`` maps them onto one form so a model is trained and scored on the same text:

* Unicode NFC (combining marks such as the abbreviation tilde are kept, composed where possible);
* no-break, thin and other spaces -> one plain space; whitespace runs collapsed, ends stripped;
* typographic apostrophes (’ ‘ ʼ ′) -> ASCII ``'``; typographic double quotes -> ``"``;
* the superscript marker ``^`` is dropped (``Mad^e`` -> ``Made``): sources mark superscript with
  it, but not consistently, and a reader wants the letters;
* long s ``ſ`` -> ``s``.

``usable()`` says whether a normalised line is worth training on: not empty, and not a
LECTAUREP signature placeholder (``¥``) or a line of only punctuation.
"""

from __future__ import annotations

import re
import unicodedata

VERSION = "htr-norm-1"
_MAP = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "\u201c": '"',
                      "\u201d": '"', "\u00ab": '"', "\u00bb": '"', "^": None, "\u017f": "s"})
_SPACES = re.compile(r"\s+")


def transcription(text: str) -> str:
    """``text`` in the documented training/evaluation form (see the module docstring)."""
    text = unicodedata.normalize("NFC", text).translate(_MAP)
    return _SPACES.sub(" ", text).strip()


def usable(text: str) -> bool:
    """True when a normalised line can be trained on (has a letter or digit, no signature mark)."""
    return bool(text) and "\u00a5" not in text and any(c.isalnum() for c in text)
