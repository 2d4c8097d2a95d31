"""English names found in Thai text by their sound: "Temüjin" in เตมูจิน, "Gandhi" in คานธี.

Thai writes a foreign name as it sounds, so an English question's names stand in a Thai
passage in a spelling no dictionary holds (rag.lexical.bilingual has common words, few
names). The Thai text is romanised (PyThaiNLP's rule-based ``royin``: no model to download)
and both sides are reduced to their consonant skeleton in sound classes (k/g/q/kh, t/d/th,
p/b/ph, ch/j/sh, s/z/soft c, and l/r/n, which Thai spelling and its romanisation swap at a
syllable's end: "Spelling" is สเปลลิง, romanised *spenling*); vowels, h, w and y are dropped
(Thai vowels and their romanisation vary most). A stretch of one to ``MAX_TOKENS`` Thai
words, none a function word, is a name's Thai spelling when it begins with the same sound,
its skeleton is the name's (``MIN_SKELETON`` consonants) or nearly so (``MIN_RATIO``), and
the two spellings, vowels included, are not far apart (``MIN_SPELLING``).

Written here because no library maps English spellings onto Thai sounds; the romaniser and
the segmenter are PyThaiNLP's, the likeness is ``difflib``'s.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from rag.lexical.tokenize import thai_engine

MAX_TOKENS = 4  # a name is at most this many Thai words (the segmenter cuts an unknown name into syllables)
MIN_SKELETON = 3  # consonants; a shorter skeleton ("Iran": n) matches too much; this short, only when equal
MIN_RATIO = 0.8  # the likeness of longer skeletons
MIN_SPELLING = 0.45  # the likeness of the spellings, vowels included ("english" is not นากัน, *nakan*)
_THAI_RUN = re.compile(r"[\u0e01-\u0e4e]+")
# Spelling to sound classes, applied in order; C: the ch/j/sh sound.
_EN_RULES = (("sch", "s"), ("tch", "C"), ("ch", "C"), ("sh", "C"), ("ph", "f"), ("th", "t"), ("kh", "k"),
             ("gh", "k"), ("ck", "k"), ("qu", "k"), ("q", "k"), ("x", "ks"), ("j", "C"), ("g", "k"), ("c", "k"),
             ("z", "s"), ("d", "t"), ("b", "p"), ("v", ""), ("r", "n"), ("l", "n"))
_TH_RULES = (("ng", "n"), ("ch", "C"), ("ph", "p"), ("th", "t"), ("kh", "k"), ("d", "t"), ("b", "p"), ("r", "n"),
             ("l", "n"))


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords())


@lru_cache(maxsize=65536)
def _romanised(token: str) -> str:
    from pythainlp.transliterate import romanize

    return re.sub(r"[^a-z]", "", romanize(token, engine="royin").lower())


@lru_cache(maxsize=4096)
def _thai_words(run: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize

    return tuple(t for t in word_tokenize(run, engine=thai_engine(), keep_whitespace=False) if t.strip())


def _squeeze(text: str) -> str:
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouyhw]", "", text))


def _plain(word: str) -> str:
    w = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in w if ch.isascii() and ch.isalpha())


@lru_cache(maxsize=4096)
def english_skeleton(word: str) -> str:
    """The consonant skeleton of a word in Latin letters, in sound classes."""
    w = re.sub(r"c(?=[eiy])", "s", _plain(word))
    w = re.sub(r"g(?=[eiy])", "C", w)
    for a, b in _EN_RULES:
        w = w.replace(a, b)
    return _squeeze(w)


@lru_cache(maxsize=65536)
def romanised_skeleton(romanised: str) -> str:
    """The consonant skeleton of romanised Thai, in the same sound classes."""
    for a, b in _TH_RULES:
        romanised = romanised.replace(a, b)
    return _squeeze(romanised)


def likeness(name: str, romanised: str) -> float:
    """How much romanised Thai sounds like an English ``name``, 0 (not that name) to 1."""
    a, b = english_skeleton(name), romanised_skeleton(romanised)
    if len(a) < MIN_SKELETON or abs(len(a) - len(b)) > 1 or a[:1] != b[:1]:
        return 0.0
    if len(a) == MIN_SKELETON and a != b:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    if ratio < MIN_RATIO or difflib.SequenceMatcher(None, _plain(name), romanised).ratio() < MIN_SPELLING:
        return 0.0
    return ratio


def spellings(names: Iterable[str], texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each English name, the Thai stretches of ``texts`` that sound like it, the closest
    one from each Thai word on (the shorter on a tie); a name none sounds like is left out."""
    wanted = [n for n in dict.fromkeys(names) if len(english_skeleton(n)) >= MIN_SKELETON]
    if not wanted:
        return {}
    found: dict[str, dict[str, None]] = {n: {} for n in wanted}
    function = _function_words()
    for text in texts:
        for m in _THAI_RUN.finditer(text):
            words = _thai_words(m.group())
            for i in range(len(words)):
                stretches: list[str] = []  # romanised, one to MAX_TOKENS words from i
                for word in words[i:i + MAX_TOKENS]:
                    if word in function:
                        break
                    stretches.append((stretches[-1] if stretches else "") + _romanised(word))
                for name in wanted:
                    best, n = max(((likeness(name, r), -k) for k, r in enumerate(stretches, 1)), default=(0.0, 0))
                    if best > 0:
                        found[name]["".join(words[i:i - n])] = None
    return {n: tuple(f) for n, f in found.items() if f}


__all__ = ["english_skeleton", "likeness", "romanised_skeleton", "spellings"]
