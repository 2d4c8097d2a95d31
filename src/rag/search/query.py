"""What a search is asked: the query text made safe to search with, and the checked options.

``clean_query`` normalises a user's text (Unicode NFC, no control characters, glyph repair,
bounded length); ``check_mode`` and ``check_k`` refuse a bad mode or hit count in one line.
"""

from __future__ import annotations

import unicodedata

from rag.errors import RagError
from rag.lexical.tokenize import MAX_QUERY_CHARS
from rag.repair.text import repair_query

# The search modes: both sides fused, the dense vectors alone, BM25 alone.
MODES = ("hybrid", "dense", "bm25")
_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def has_words(text: str) -> bool:
    """A letter or a digit, or a private-use glyph (which the repair may map to a Thai letter):
    punctuation, symbols or Thai marks alone (`???`, `👍`) ask nothing."""
    return any(ch.isalnum() or unicodedata.category(ch) == "Co" for ch in text)


def clean_query(text: str) -> tuple[str, list[str]]:
    """Normalise a user's query: glyph repair, no control characters, bounded length; a query
    with no letter or digit is refused."""
    if not isinstance(text, str):
        raise RagError("the query must be text")
    warnings: list[str] = []
    text = unicodedata.normalize("NFC", text).translate(_CONTROL)
    text = " ".join(text.split())
    if not text:
        raise RagError("empty query: type a question")
    if not has_words(text):
        # nothing to match, and an answer to it would quote whatever passage came first
        raise RagError(f"empty query: {text[:40]!r} has no words; type a question")
    if len(text) > MAX_QUERY_CHARS:
        warnings.append(f"query truncated from {len(text):,} to {MAX_QUERY_CHARS:,} characters")
        text = text[:MAX_QUERY_CHARS]
    text = " ".join(repair_query(text).split())
    if not text:  # only zero-width or other characters the repair drops
        raise RagError("empty query: type a question")
    return text, warnings


def check_mode(mode: str) -> str:
    """``mode`` if it is one of ``MODES``; else a one-line error naming them."""
    if mode not in MODES:
        raise RagError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    return mode


def check_k(k: int) -> int:
    """``k`` if it is a positive number of hits; else a one-line error."""
    if not isinstance(k, int) or k < 1:
        raise RagError(f"k must be a positive number of hits, got {k}")
    return k
