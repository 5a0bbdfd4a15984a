"""Full-text search over the current text of every line (FTS5, OCR-tolerant). See docs/search.md."""

from .fold import Folder
from .index import LINE_STATES, SearchFilter, SearchHit, SearchIndex, WordHit
from .query import QueryError, parse_query

__all__ = ["Folder", "LINE_STATES", "QueryError", "SearchFilter", "SearchHit", "SearchIndex", "WordHit",
           "parse_query"]
