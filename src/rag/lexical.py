"""Word tokens for BM25: PyThaiNLP for Thai runs, a regex for everything else.

BM25 needs words, and Thai is written without spaces between them, so Thai runs go through a
dictionary segmenter (PyThaiNLP's newmm, or its Rust port nlpo3 where installed: same
dictionary and algorithm, several times faster). Latin, digits and mixed tokens such as
``5G``, ``G20`` or ``Asia-Pacific`` are cut by a regex first, so both engines see only Thai
and give the same tokens. Everything is lower-cased; punctuation and spaces are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Thai letters, vowels and marks (U+0E01-U+0E4E, digits excluded).
_THAI_RUN = re.compile(r"[\u0e01-\u0e2e\u0e2f-\u0e3a\u0e40-\u0e4e]+")
# A "word" outside Thai: letters/digits, keeping inner . - ' (e.g. 4.0, asia-pacific, china's)
_OTHER_WORD = re.compile(r"[^\W_]+(?:[.\-'’][^\W_]+)*")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Queries longer than this are cut before segmenting: newmm is slow on very long strings and
# nothing past a few sentences helps a lexical match.
MAX_QUERY_CHARS = 2000


@lru_cache(maxsize=1)
def thai_engine() -> str:
    """nlpo3 when importable (same tokens, much faster), else newmm."""
    try:
        import nlpo3  # noqa: F401
    except ImportError:
        return "newmm"
    return "nlpo3"


def _segment_thai(run: str, engine: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    return word_tokenize(run, engine=engine, keep_whitespace=False)


def tokenize(text: str, engine: str | None = None) -> list[str]:
    """Lower-cased word tokens of ``text`` for indexing and querying alike."""
    engine = engine or thai_engine()
    text = text.translate(_THAI_DIGITS).replace("\u0e4d\u0e32", "\u0e33").lower()
    tokens: list[str] = []
    pos = 0
    for m in _THAI_RUN.finditer(text):
        if m.start() > pos:
            tokens.extend(_OTHER_WORD.findall(text, pos, m.start()))
        tokens.extend(t for t in _segment_thai(m.group(), engine) if t.strip())
        pos = m.end()
    if pos < len(text):
        tokens.extend(_OTHER_WORD.findall(text, pos))
    return tokens


def tokenize_query(text: str, engine: str | None = None) -> list[str]:
    """Like :func:`tokenize`, after cutting very long queries (see MAX_QUERY_CHARS)."""
    return tokenize(text[:MAX_QUERY_CHARS], engine)


def tokenize_many(texts: Iterable[str], engine: str | None = None) -> list[list[str]]:
    return [tokenize(t, engine) for t in texts]
