"""A general Thai dictionary for settling repair ambiguities.

Repair must never learn words from the documents it repairs or from evaluation data, so every
judgement ("does the joined form read better than the split one?") goes through PyThaiNLP's
general word list, its Thai National Corpus frequencies and its ORCHID part-of-speech lexicon.
Segmentation uses nlpo3, PyThaiNLP's Rust implementation of its newmm tokenizer, because repair
segments thousands of short candidate strings per document and the Python newmm is ~50x slower.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache

import nlpo3
from pythainlp.corpus import corpus_path

from rag.thai.chars import LETTERS

_DICT_NAME = "rag-repair-words-th"
_NEUTRAL = frozenset({"\u0e46", "\u0e2f"})  # ๆ ฯ: Thai symbols, not words


@dataclass(frozen=True)
class Cost:
    """How badly a string segments: unknown Thai characters first, then word count, then rarity."""

    unknown: int
    words: int
    rarity: float

    def key(self) -> tuple[int, int, float]:
        return (self.unknown, self.words, self.rarity)


@dataclass(frozen=True, eq=False)
class Lexicon:
    words: frozenset[str]
    freq_cost: dict[str, float] = field(repr=False)
    rare_cost: float
    pos: dict[str, str] = field(repr=False)

    def segment(self, text: str) -> list[str]:
        return list(_segment(text))

    def is_word(self, token: str) -> bool:
        return token in self.words

    def is_unknown(self, token: str) -> bool:
        """A Thai token the dictionary does not know (spaces, Latin, digits are never unknown)."""
        if token in self.words or token in _NEUTRAL:
            return False
        return any(ch in LETTERS for ch in token)

    def cost(self, text: str) -> Cost:
        return _cost(self, text)

    def _cost(self, text: str) -> Cost:
        unknown = words = 0
        rarity = 0.0
        for tok in _segment(text):
            letters, known, cost = _token(self, tok)
            if not letters:
                continue
            if known:
                words += 1
                rarity += cost
            else:
                unknown += letters
        return Cost(unknown, words, rarity)

    def unknown_chars(self, text: str) -> int:
        return self.cost(text).unknown

    def tag(self, word: str) -> str | None:
        """ORCHID part-of-speech tag most often given to `word` (None when never seen)."""
        return self.pos.get(word)


# Memos of pure functions of the (one, immutable) dictionary: repair asks the same questions of
# the same short strings many times (each rule, each round, each candidate).
@lru_cache(maxsize=1 << 16)
def _segment(text: str) -> tuple[str, ...]:
    return tuple(nlpo3.segment(text, _DICT_NAME))


@lru_cache(maxsize=1 << 16)
def _token(lex: Lexicon, tok: str) -> tuple[int, bool, float]:
    """(Thai letters in the token, known to the dictionary, rarity cost)."""
    letters = sum(ch in LETTERS for ch in tok)
    known = not lex.is_unknown(tok)
    return letters, known, lex.freq_cost.get(tok, lex.rare_cost) if known and letters else 0.0


@lru_cache(maxsize=1 << 16)
def _cost(lex: Lexicon, text: str) -> Cost:
    return lex._cost(text)


def clear_caches() -> None:
    """Forget every memoised look-up, so a benchmark can time a document as a first reader
    would."""
    for memo in (_segment, _token, _cost):
        memo.cache_clear()


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load once per process (the word list, ~62k words, takes ~0.3 s)."""
    base = corpus_path()
    words_path = os.path.join(base, "words_th.txt")
    nlpo3.load_dict(words_path, _DICT_NAME)  # no-op when this process already loaded it
    with open(words_path, encoding="utf-8") as fh:
        words = frozenset(w.strip() for w in fh if w.strip())
    counts: dict[str, int] = {}
    with open(os.path.join(base, "tnc_freq.txt"), encoding="utf-8") as fh:
        for row in fh:
            word, _, n = row.rstrip("\n").partition("\t")
            if word in words and n.isdigit():
                counts[word] = int(n)
    total = sum(counts.values()) or 1
    freq_cost = {w: -math.log(n / total) for w, n in counts.items()}
    rare_cost = -math.log(0.5 / total)
    with open(os.path.join(base, "pos_orchid_unigram.json"), encoding="utf-8-sig") as fh:
        pos = json.load(fh)
    return Lexicon(words=words, freq_cost=freq_cost, rare_cost=rare_cost, pos=pos)
