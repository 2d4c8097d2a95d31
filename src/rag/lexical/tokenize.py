"""Word tokens for BM25: PyThaiNLP for Thai runs, a regex for everything else.

BM25 needs words, and Thai is written without spaces between them, so Thai runs go through a
dictionary segmenter (PyThaiNLP's newmm, or its Rust port nlpo3 where installed: same
dictionary and algorithm, several times faster). Latin, digits and mixed tokens such as
``5G``, ``G20`` or ``Asia-Pacific`` are cut by a regex first, so both engines see only Thai
and give the same tokens. Everything is lower-cased; punctuation and spaces are dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.thai.chars import THAI_TO_ARABIC_DIGITS

# Thai letters, vowels and marks (U+0E01-U+0E4E, digits excluded).
_THAI_RUN = re.compile(r"[\u0e01-\u0e2e\u0e2f-\u0e3a\u0e40-\u0e4e]+")
# A "word" outside Thai: letters/digits, keeping inner . - ' (e.g. 4.0, asia-pacific, china's)
_OTHER_WORD = re.compile(r"[^\W_]+(?:[.\-'’][^\W_]+)*")
# Queries longer than this are cut before segmenting: newmm is slow on very long strings and
# nothing past a few sentences helps a lexical match.
MAX_QUERY_CHARS = 2000

# English function words and the words a question about a paper is framed with ("tell",
# "explain", "according"): the answer's word overlap (rag.answer) and the dictionary's
# reading of an English question (rag.bilingual) skip them.
ENGLISH_STOPWORDS = frozenset("""
a an the and or but if of to in on at by for with from into onto about as than then so such
is are was were be been being am do does did done doing have has had having can could may might
must shall should will would what which who whom whose when where why how that this these those
there here it its it's they them their we our you your he she his her i me my not no yes any
some all each every other more most much many very also just only still even too use used using
tell explain describe please paper article document text say says said according regarding
""".split())

# Thai question words and question particles: they say what is asked, never what to match.
# Left in a query they match by accident and with a high idf (questions are rare in documents):
# อย่างไร ("how") inside อย่างไรก็ตาม ("however") put a passage that merely says "however"
# first for "จีนใช้ STAs อย่างไร". Taken out of the lexical query (word BM25 and trigrams):
# dev R@1 XQuAD-th Thai 0.949 -> 0.951, seed Thai 0.929 -> 1.000, iApp 0.954 (R@5 0.976 ->
# 0.978; eval/results/retrieval.md). A closed class written here because PyThaiNLP's
# stop-word list also holds content words (ใช้ "use", มี "have"): dropping all of those lost
# iApp R@1 0.954 -> 0.942. ไหม is left in (also "silk"), and English wh-words too (WHO, the
# organisation, lower-cases to "who"; English questions give BM25 a tie-break weight only).
# Each is one newmm token (the tests check it), so dropping tokens drops them; of a phrase
# newmm cuts (แค่ไหน: แค่ + ไหน) the question part goes.
QUESTION_WORDS = frozenset(
    "อะไร อย่างไร ยังไง ไง ใคร ไหน ที่ไหน แห่งใด ที่ใด ใด อย่างใด ฉันใด เช่นไร เพียงใด เมื่อไร "
    "เมื่อไหร่ เมื่อใด เท่าไร เท่าไหร่ เท่าใด กี่ ทำไม เพราะอะไร เหตุใด เพราะเหตุใด ไฉน หรือไม่ "
    "หรือเปล่า มั้ย บ้าง".split()
)


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


def _fold(text: str) -> str:
    """Thai digits as Arabic, NIKHAHIT + SARA AA as SARA AM: one spelling on both sides."""
    return text.translate(THAI_TO_ARABIC_DIGITS).replace("\u0e4d\u0e32", "\u0e33")


def tokenize(text: str, engine: str | None = None) -> list[str]:
    """Lower-cased word tokens of ``text`` for indexing and querying alike."""
    engine = engine or thai_engine()
    text = _fold(text).lower()
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
    """Like :func:`tokenize`, after cutting very long queries (see MAX_QUERY_CHARS), without
    the question words (QUESTION_WORDS) unless there is nothing else."""
    tokens = tokenize(text[:MAX_QUERY_CHARS], engine)
    return [t for t in tokens if t not in QUESTION_WORDS] or tokens


def query_pieces(text: str, engine: str | None = None) -> list[str]:
    """The query's text cut where its question words stand, for the character-trigram BM25:
    the words go, and no trigram spans the gap they leave (one across it would be a string the
    question never had). The whole text when nothing else is left."""
    engine = engine or thai_engine()
    text = _fold(text[:MAX_QUERY_CHARS])
    pieces: list[str] = []
    current: list[str] = []
    pos = 0
    for m in _THAI_RUN.finditer(text):
        current.append(text[pos : m.start()])
        for word in _segment_thai(m.group(), engine):
            if word in QUESTION_WORDS:
                pieces.append("".join(current))
                current = []
            else:
                current.append(word)
        pos = m.end()
    current.append(text[pos:])
    pieces.append("".join(current))
    return [p for p in pieces if p.strip()] or [text]

