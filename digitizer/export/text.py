"""Plain text per page: lines joined by newlines, blocks by a blank line, text as printed
(hyphenated words stay split, with their hyphen), trailing newline."""

from __future__ import annotations

from ..model import PageLayout


def page_text(layout: PageLayout) -> str:
    """The page's text in reading order; ``""`` for a page without text."""
    blocks = []
    for block in layout.blocks:
        lines = [ln.text for ln in block.lines if ln.text.strip()]   # exact: spaces and NBSP kept
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""
