"""English names found in Thai text by their sound: "Temüjin" in เตมูจิน, "Gandhi" in คานธี.

Thai writes a foreign name as it sounds, so an English question's names are in a Thai passage
in a spelling no dictionary holds (rag.lexical.bilingual has common words, few names). The
Thai text is romanised (PyThaiNLP's rule-based ``royin``, no model to download) and both
sides are reduced to their consonant skeleton in sound classes (k/g/q/kh, t/d/th, p/b/ph,
ch/j/sh, s/z, and l/r/n, which Thai spelling and romanisation swap at a syllable's end:
"Spelling" is สเปลลิง, romanised *spenling*); vowels, h, w and y are dropped (Thai vowels
and the romanisation of them vary most). A stretch of one to ``MAX_TOKENS`` Thai words whose
skeleton matches a name's closely enough (``difflib`` ratio) is that name's Thai spelling.

Written here because no library maps English spellings onto Thai sounds; the romaniser is
PyThaiNLP's.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from rag.lexical.tokenize import thai_engine


@lru_cache(maxsize=1)
def thai_stopwords() -> frozenset[str]:
    """Thai function words: a stretch holding one is not a name (ที่, ของ, คน)."""
    from pythainlp.corpus import thai_stopwords as words

    return frozenset(words())

MAX_TOKENS = 4  # a name is at most this many Thai words (newmm cuts an unknown name into syllables)
MIN_SKELETON = 3  # a shorter skeleton ("Iran": n) matches too much
MIN_RATIO = 0.8  # the skeletons' likeness, for a skeleton of MIN_SKELETON consonants: 1.0
MIN_SPELLING = 0.45  # the likeness of the spellings, vowels included
_THAI_RUN = re.compile(r"[\u0e01-\u0e4e]+")
# English spelling to sound classes, in order (longest first); C: the ch/j/sh sound, K: k.
_EN_RULES = (("sch", "s"), ("tch", "C"), ("ch", "C"), ("sh", "C"), ("ph", "f"), ("th", "t"), ("kh", "k"),
             ("gh", "k"), ("ck", "k"), ("qu", "k"), ("q", "k"), ("x", "ks"), ("j", "C"), ("g", "k"), ("c", "k"),
             ("z", "s"), ("d", "t"), ("b", "p"), ("v", ""), ("r", "n"), ("l", "n"))
_TH_RULES = (("ng", "n"), ("ch", "C"), ("ph", "p"), ("th", "t"), ("kh", "k"), ("d", "t"), ("b", "p"), ("r", "n"),
             ("l", "n"))


def _squeeze(text: str) -> str:
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouyhw]", "", text))


def english_skeleton(word: str) -> str:
    """The consonant skeleton of an English (or Latin-script) word, in sound classes."""
    w = re.sub(r"c(?=[eiy])", "s", _plain(word))
    w = re.sub(r"g(?=[eiy])", "C", w)
    for a, b in _EN_RULES:
        w = w.replace(a, b)
    return _squeeze(w)


@lru_cache(maxsize=65536)
def _romanised(token: str) -> str:
    from pythainlp.transliterate import romanize

    return romanize(token, engine="royin").lower()


def _plain(word: str) -> str:
    w = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in w if ch.isascii() and ch.isalpha())


def thai_skeleton(tokens: Sequence[str]) -> str:
    """The consonant skeleton of Thai words, from their romanisation."""
    return skeleton_of_romanised(re.sub(r"[^a-z]", "", "".join(_romanised(t) for t in tokens)))


def skeleton_of_romanised(w: str) -> str:
    for a, b in _TH_RULES:
        w = w.replace(a, b)
    return _squeeze(w)


@lru_cache(maxsize=4096)
def _thai_words(run: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize

    return tuple(t for t in word_tokenize(run, engine=thai_engine(), keep_whitespace=False) if t.strip())


def likeness(a: str, b: str, spelled: str = "", romanised: str = "") -> float:
    """How close two skeletons are, 0 to 1: the same first sound, and equal when short, else
    nearly (0 below ``MIN_RATIO``); and the spellings with their vowels (``spelled``, the
    English word lower-cased, and ``romanised``, the Thai) not far apart."""
    if len(a) < MIN_SKELETON or abs(len(a) - len(b)) > 1 or a[:1] != b[:1]:
        return 0.0
    if len(a) == MIN_SKELETON and a != b:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    if ratio < MIN_RATIO:
        return 0.0
    if spelled and difflib.SequenceMatcher(None, spelled, romanised).ratio() < MIN_SPELLING:
        return 0.0
    return ratio


def spellings(names: Iterable[str], texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each English name, the Thai stretches of ``texts`` that sound like it (none: left
    out)."""
    wanted = {n: english_skeleton(n) for n in dict.fromkeys(names)}
    wanted = {n: s for n, s in wanted.items() if len(s) >= MIN_SKELETON}
    found: dict[str, dict[str, None]] = {n: {} for n in wanted}
    if not wanted:
        return {}
    plain = {n: _plain(n) for n in wanted}
    stop = thai_stopwords()
    for text in texts:
        for m in _THAI_RUN.finditer(text):
            words = _thai_words(m.group())
            for i in range(len(words)):
                if words[i] in stop:
                    continue
                spelled = []
                for n in range(1, min(MAX_TOKENS, len(words) - i) + 1):
                    if words[i + n - 1] in stop:
                        break
                    spelled.append(re.sub(r"[^a-z]", "", "".join(_romanised(t) for t in words[i:i + n])))
                for name, target in wanted.items():
                    scored = [(likeness(target, skeleton_of_romanised(r), plain[name], r), -n)
                              for n, r in enumerate(spelled, 1)] or [(0.0, 0)]
                    best, n = max(scored)
                    if best > 0:  # the closest stretch from here, the shorter on a tie
                        found[name]["".join(words[i:i - n])] = None
    return {n: tuple(f) for n, f in found.items() if f}


__all__ = ["english_skeleton", "spellings", "thai_skeleton"]
