"""Whether a Latin-script name in a generated sentence is in a Thai passage: as written, as the
Thai word the bilingual dictionary gives for it, or as its Thai transliteration.

A Thai text writes a foreign name in Thai letters (เพย์ตัน แมนนิง for Peyton Manning), and a
transliteration follows the source's spelling letter by letter: ล for an l, ร์ (silenced) for
the r of "Kerry", ป์ for the p of "Trump". So the two are compared by their consonants, read
from the letters: the English word's consonants in classes (c/k/q, s/z/j/sh/ch, t/d/th, p/b,
f/ph, v/w, m, n/ng, r, l; vowels, h and y dropped; a soft c or g, and ch, read both ways),
against the classes of the Thai letters in their ISO 11940 transliteration (PyThaiNLP; offline).
The passage's Thai tokens are read in runs of up to ``MAX_TOKENS`` (newmm cuts an unknown name
anywhere); a name is there when a run's classes are within ``MAX_COST`` edits per class of the
word's (r, l and n for one another, or an r, l or w left out, cost half). Short skeletons
sound like many Thai words (Hillary's "LR" like และ, George's like การค้า): a run made only of
common words (``COMMON``) is never read as a name, a skeleton of up to ``SHORT`` classes must
match exactly, and a run of names is matched whole only to carry a word too short alone.

PyThaiNLP's romanisers were tried first: RTGS ("royin", the one that runs offline here) is
phonetic (final ล and ร read n, letters under the silencing mark dropped: ทรัมป์ is "thram"):
on PyThaiNLP's own Thai-English transliteration list its classes match 63 % of the Thai
spellings with their English word, the letters' 96 %, each matching ~1 % of other entries'
words (eval/bench_check.py, eval/results/check.md).
No library compares English spelling with Thai letters (phonetic keys such as Metaphone
read English alone), so the classes and edit costs are written here, and calibrated on that
list, which is neither the article nor XQuAD.

Which capitalised English words are names: those the English dictionary does not know, and
those it knows whose Thai word is a transliteration of them (George จอร์จ, Apollo อพอลโล) or a
country (Finnish ฟินแลนด์, Vietnam ประเทศเวียดนาม, PyThaiNLP's country list). The others
(Ministry, Free, Bush ไม้พุ่ม) may be translations of the passage's own Thai words, whose
senses the dictionary's one sense per word misses too often: they are left to the similarity.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rag.lexical.bilingual import Dictionary
from rag.lexical.tokenize import tokenize
from rag.thai.chars import is_thai

MAX_TOKENS = 5  # Thai tokens a transliterated name may be cut into (two words of a name, each cut)
MAX_COST = 0.2  # edits per consonant class, the longer skeleton's length (at least half an edit)
MIN_CLASSES = 2  # a word of fewer consonants (Lee, Cho, EU) is matched with its neighbour or not by sound
SHORT = 3  # a skeleton this short matches only exactly
SPELLING_CLASSES = 3  # the shortest reading whose Thai spellings the extract looks for
COMMON = 1000  # occurrences in the Thai National Corpus (PyThaiNLP) that make a word common: a run
# of common words only is read as those words, never as a name
_SOFT = frozenset("RLN")
_EN_DIGRAPHS = {"tch": ("S",), "ph": ("F",), "th": ("T",), "sh": ("S",), "ch": ("S", "K"), "ck": ("K",),
                "gh": ("",), "ng": ("N",), "qu": ("KW",), "wh": ("W",), "kh": ("K",)}
_EN = {"k": "K", "q": "K", "s": "S", "z": "S", "j": "S", "x": "KS", "d": "T", "t": "T", "b": "P", "p": "P",
       "f": "F", "v": "W", "w": "W", "m": "M", "n": "N", "r": "R", "l": "L"}
_ISO_DIGRAPHS = {"kh": "K", "ch": "S", "th": "T", "ph": "P", "ng": "N"}
_ISO = {"k": "K", "c": "S", "s": "S", "d": "T", "t": "T", "b": "P", "p": "P", "f": "F", "m": "M", "n": "N",
        "r": "R", "l": "L", "w": "W", "v": "R"}  # v: ฤ (rue)
# Thai head-first compounds: the dictionary's ประเทศเวียดนาม, ภาษาฟินแลนด์, หมู่เกาะญี่ปุ่น
# name their thing in the last word
_MAX_VARIANTS = 8


def collapse(classes: Iterable[str]) -> str:
    out: list[str] = []
    for c in "".join(classes):
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=4096)
def latin_skeletons(word: str) -> frozenset[str]:
    """The consonant classes of an English spelling, each reading of an ambiguous letter once
    (a soft c or g as s, ch as s or k)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    readings: list[tuple[str, ...]] = []
    i = 0
    while i < len(w):
        for n in (3, 2):
            if w[i:i + n] in _EN_DIGRAPHS:
                readings.append(_EN_DIGRAPHS[w[i:i + n]])
                i += n
                break
        else:
            c, nxt = w[i], w[i + 1:i + 2]
            if c in "cg":
                soft = nxt in ("e", "i", "y")
                readings.append(("S",) if c == "c" and soft else ("S", "K") if soft else ("K",))
            elif c in _EN:
                readings.append((_EN[c],))
            i += 1
    out = {collapse(r) for r in itertools.islice(itertools.product(*readings), _MAX_VARIANTS)}
    return frozenset(out)


@lru_cache(maxsize=65536)
def thai_skeleton(text: str) -> str:
    """The consonant classes of Thai letters, from their ISO 11940 transliteration (อ, ห, ฮ,
    ย and the vowels carry none)."""
    from pythainlp.transliterate import transliterate

    latin = unicodedata.normalize("NFD", transliterate(text, engine="iso_11940"))
    latin = latin.encode("ascii", "ignore").decode()
    out: list[str] = []
    i = 0
    while i < len(latin):
        if latin[i:i + 2] in _ISO_DIGRAPHS:
            out.append(_ISO_DIGRAPHS[latin[i:i + 2]])
            i += 2
            continue
        out.append(_ISO.get(latin[i], ""))
        i += 1
    return collapse(out)


def _sub(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if a in _SOFT and b in _SOFT or {a, b} in ({"F", "W"}, {"F", "P"}):
        return 0.5
    return 1.0


def _indel(a: str) -> float:
    return 0.5 if a in "RLW" else 1.0


def cost(x: str, y: str) -> float:
    """Edit cost between two consonant skeletons."""
    prev = [0.0]
    for b in y:
        prev.append(prev[-1] + _indel(b))
    for a in x:
        cur = [prev[0] + _indel(a)]
        for j, b in enumerate(y, 1):
            cur.append(min(prev[j] + _indel(a), cur[j - 1] + _indel(b), prev[j - 1] + _sub(a, b)))
        prev = cur
    return prev[-1]


def sounds_like(skeleton: str, other: str) -> bool:
    """Whether two skeletons are close enough to be one name written in two scripts."""
    allowed = max(0.5, MAX_COST * max(len(skeleton), len(other)))
    return abs(len(skeleton) - len(other)) * 0.5 <= allowed and cost(skeleton, other) <= allowed


@dataclass
class ThaiSounds:
    """The skeletons of a Thai text's runs of consecutive Thai tokens, for finding names by sound."""

    runs: dict[str, set[str]] = field(default_factory=dict)  # first class -> skeletons
    short: set[str] = field(default_factory=set)  # skeletons of up to SHORT classes

    @staticmethod
    def of(text: str) -> ThaiSounds:
        out = ThaiSounds()
        for _, sk in thai_runs(tokenize(text)):
            out.runs.setdefault(sk[0], set()).add(sk)
            if len(sk) <= SHORT:
                out.short.add(sk)
        return out

    def holds(self, skeletons: Iterable[str]) -> bool:
        """Whether a run of the text sounds like one of ``skeletons`` (a word's readings)."""
        for sk in skeletons:
            if len(sk) < MIN_CLASSES:
                continue
            if len(sk) <= SHORT:
                if sk in self.short:
                    return True
            elif any(sounds_as((sk,), cand) for first in _firsts(sk) for cand in self.runs.get(first, ())):
                return True
        return False


def _firsts(skeleton: str) -> set[str]:
    """The first classes a Thai run spelling a word of ``skeleton`` may start with."""
    firsts = {skeleton[0], *(_SOFT if skeleton[0] in _SOFT else ())}
    if len(skeleton) > 1:
        firsts.add(skeleton[1])  # the word's first consonant left out of the Thai
    return firsts


def sounds_as(skeletons: Iterable[str], run: str) -> bool:
    """Whether a Thai run's skeleton sounds like one of a word's readings (``ThaiSounds.holds``
    for one run)."""
    for sk in skeletons:
        if len(sk) < MIN_CLASSES:
            continue
        if len(sk) <= SHORT:
            if run == sk:
                return True
        elif run[:1] in _firsts(sk) and (run == sk or sounds_like(sk, run)):
            return True
    return False


def thai_runs(words: list[str]) -> list[tuple[tuple[int, int], str]]:
    """Each run of up to ``MAX_TOKENS`` consecutive Thai tokens (``tokenize``'s) that holds a
    word not common enough to be read as itself (การ ใช้ is not George), as its token span and
    consonant skeleton: where a transliterated name may stand."""
    tokens = [thai_skeleton(t) if is_thai(t) else None for t in words]
    out: list[tuple[tuple[int, int], str]] = []
    for i in range(len(tokens)):
        parts: list[str] = []
        rare = False
        for j, t in enumerate(tokens[i:i + MAX_TOKENS], i):
            if t is None:
                break
            parts.append(t)
            rare = rare or not _common(words[j])
            sk = collapse(parts)
            if sk and rare:
                out.append(((i, j + 1), sk))
    return out


def spellings(names: Iterable[str], texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each English name, the Thai stretches of ``texts`` that sound like it, the shortest
    from each Thai token on; a name none sounds like is left out. What the extract looks for
    in the passages when an English question names someone (rag.answer.lexicon). Only readings
    of ``SPELLING_CLASSES`` classes or more: China's two (ch-n) sound like จอห์น and ซอน, which
    would point the extract at any piece holding them."""
    wanted = {n: frozenset(v for v in latin_skeletons(n) if len(v) >= SPELLING_CLASSES) for n in dict.fromkeys(names)}
    found: dict[str, dict[str, None]] = {n: {} for n in wanted}
    for text in texts:
        words = tokenize(text)
        starts: set[tuple[str, int]] = set()
        for (i, j), sk in thai_runs(words):
            for name, readings in wanted.items():
                if (name, i) not in starts and sounds_as(readings, sk):
                    starts.add((name, i))
                    found[name]["".join(words[i:j])] = None
    return {n: tuple(f) for n, f in found.items() if f}


@dataclass
class ThaiNames:
    """Which capitalised English words are names, and whether a name is in a Thai passage: as
    the Thai word the dictionary gives it, or by sound. Each passage's sounds are read once,
    under its key."""

    dictionary: Dictionary
    _sounds: dict[str, ThaiSounds] = field(default_factory=dict)
    _names: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # the word lists, the common-word tokenizer and the transliteration read now (~0.5 s
        # once a process), not after an answer's last token: the checker makes this in prepare()
        _countries()
        _common("การค้า")
        thai_skeleton("ก")
        tokenize("การ")

    def thai_words(self, word: str) -> list[str]:
        """The Thai words of each of the word's readings (every part of speech's first sense),
        and the last word of each (ประเทศเวียดนาม: เวียดนาม)."""
        out: list[str] = []
        for form in self.dictionary.readings(_bare(word.lower())):
            out.append(form)
            parts = [t for t in tokenize(form) if is_thai(t)]
            if len(parts) > 1 and len(parts[-1]) > 2:
                out.append(parts[-1])
        return list(dict.fromkeys(out))

    def is_name(self, word: str) -> bool:
        """A word the dictionary does not know, or whose Thai is its transliteration or a country."""
        if word not in self._names:
            self._names[word] = self._is_name(word)
        return self._names[word]

    def _is_name(self, word: str) -> bool:
        forms = self.thai_words(word)
        if not forms:
            return True
        countries = _countries()
        variants = latin_skeletons(word)
        for form in forms:
            # a country, or the start of one's name (เกาหลี: เกาหลีใต้)
            if form in countries or (len(form) > 2 and any(c.startswith(form) for c in countries)):
                return True
            sk = thai_skeleton(form)
            if any(len(v) >= MIN_CLASSES and sounds_like(v, sk) for v in variants):
                return True
        return False

    def sounds(self, key: str, text: str) -> ThaiSounds:
        if key not in self._sounds:
            self._sounds[key] = ThaiSounds.of(text)
        return self._sounds[key]

    def found(self, words: list[str], key: str, text: str) -> bool:
        """Whether the name ``words`` (one word or a run) is in the Thai ``text``: one word as
        its dictionary Thai, any as the sound of the run, read without a plural s."""
        if len(words) == 1:
            word = _bare(words[0])
            # an adjective of a place the text names: American (อเมริกัน) for อเมริกา, Japanese for ญี่ปุ่น
            bases = [word, *([word[:-1]] if word.endswith("an") else []), *([word[:-3]] if word.endswith("ese") else [])]
            if any(f in text for b in bases for f in self.thai_words(b)):
                return True
        readings = [latin_skeletons(_bare(w)) for w in words]
        if len(words) > 1 and all(max(map(len, r), default=0) >= MIN_CLASSES for r in readings):
            return False  # a run is read whole only to carry a word too short alone (Lee Sang-deok)
        joined = {collapse(p) for p in itertools.islice(itertools.product(*readings), _MAX_VARIANTS)}
        if len(words) == 1:  # a plural, or an adjective of the place the text names (American: อเมริกา)
            stem = re.sub(r"(?:s|es|ans?|ians?|ese|ish)$", "", _bare(words[0]))
            if stem != words[0] and len(stem) > 2:
                joined |= latin_skeletons(stem)
        return self.sounds(key, text).holds(joined)


def _bare(word: str) -> str:
    """``word`` without a possessive ('s, ’s)."""
    return word.removesuffix("'s").removesuffix("’s")


@lru_cache(maxsize=1)
def _common_words():
    """Thai words frequent enough to be taken for themselves when a name sounds like them (คน
    "person" for Kano, ทีม "team" for Tom), as a PyThaiNLP dictionary trie."""
    from pythainlp.corpus.tnc import word_freqs
    from pythainlp.util import Trie

    return Trie(w for w, n in word_freqs() if n >= COMMON)


@lru_cache(maxsize=65536)
def _common(token: str) -> bool:
    """A common word, or a compound of two (the corpus counts การ and ค้า, not การค้า); a name
    cut into common syllables (โอ บา มา) is not one."""
    from pythainlp.tokenize import word_tokenize

    trie = _common_words()
    if token in trie:
        return True
    parts = word_tokenize(token, custom_dict=trie, engine="newmm")
    return len(parts) == 2 and all(len(p) > 2 and p in trie for p in parts)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    from pythainlp.corpus import countries

    return frozenset(countries())
