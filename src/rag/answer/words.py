"""The question's content words and where they occur in a text: what the relevance gate takes
as word evidence, what the extract counts next to the cosine, what both renderings highlight.

Words are cut as BM25 cuts them (rag.lexical.tokenize) and matched the way a reader would
spot them: Latin words whole (with a plural or possessive), Thai words inside the text (Thai
has no spaces between words) but never cutting a syllable in two.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rag.lexical.tokenize import ENGLISH_STOPWORDS, tokenize
from rag.thai.chars import is_thai

_TH_EXTRA_STOPWORDS = frozenset({"ล่ะ", "หล่ะ", "ละ", "ไหม", "มั้ย", "ใด", "บ้าง", "เล่า", "หรือไม่", "ครับ", "ค่ะ", "คะ"})
_THAI_TAIL = "\u0e30-\u0e3a\u0e45\u0e47-\u0e4e"  # marks that continue a Thai syllable


@lru_cache(maxsize=1)
def _thai_stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()) | _TH_EXTRA_STOPWORDS


def query_terms(text: str) -> list[str]:
    """The question's content words, as BM25 cuts them: no stop words, particles or single
    letters, so highlighting marks what was asked rather than every "the" or "ของ"."""
    return content_terms(tokenize(text))


def content_terms(tokens: list[str]) -> list[str]:
    """The content words among ``tokens``, once each, longest first."""
    stop = _thai_stopwords()
    out: dict[str, None] = {}
    for t in tokens:
        if len(t) < 2 or t in ENGLISH_STOPWORDS or t in stop or not any(ch.isalnum() for ch in t):
            continue
        if t.isdigit() and len(t) < 3:
            continue
        out.setdefault(t, None)
    return sorted(out, key=len, reverse=True)


@lru_cache(maxsize=256)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """Latin words match whole (with a plural or possessive); Thai words match inside text
    (no spaces between Thai words) but never cut a syllable in two."""
    alts = []
    for t in terms:
        if is_thai(t):
            alts.append(f"{re.escape(t)}(?![{_THAI_TAIL}])")
        else:
            alts.append(rf"(?<![^\W_]){re.escape(t)}(?:s|es|'s|’s)?(?![^\W_])")
    return re.compile("|".join(alts), re.IGNORECASE) if alts else None


def contains(text: str, term: str) -> bool:
    """``term`` occurs in ``text`` as a word a reader would spot."""
    pattern = _term_pattern((term,))
    return bool(pattern and pattern.search(text))


def spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Where any of ``terms`` occurs in ``text``: the stretches to highlight."""
    pattern = _term_pattern(tuple(terms))
    return [m.span() for m in pattern.finditer(text)] if pattern else []
