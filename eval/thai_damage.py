"""Synthetic PDF-extraction damage for clean Thai text: a held-out proxy for the repair stage.

Applies the damage types of CONVENTIONS.md (SARA AM split into a space, tone before vowel,
marks slid to the next letter or over a space, footnote markers glued / spaced / inside a
syllable, letter-spaced runs, spurious spaces, legacy-font private-use glyphs, symbol-font
bullets, decomposed SARA AM, zero-width characters) to clean lines, seeded, so the repair can be
measured on text it has never seen. Used to find failure modes, never to fit word lists.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CONS = "กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮฤฦ"
ABOVE = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e47"
BELOW = "\u0e38\u0e39"
TONES = "\u0e48\u0e49\u0e4a\u0e4b\u0e4c"
MARKS = ABOVE + BELOW + TONES
LEAD = "เแโใไ"
# legacy-font shifted variants (Windows PUA) of some marks
PUA = {"\u0e48": "\uf70a", "\u0e49": "\uf70b", "\u0e4a": "\uf70c", "\u0e4c": "\uf70e",
       "\u0e34": "\uf701", "\u0e35": "\uf702", "\u0e36": "\uf703", "\u0e37": "\uf704", "\u0e31": "\uf710"}


@dataclass
class Sample:
    raw: str
    gold: str
    kinds: tuple[str, ...]


def clean_lines(path: Path, rng: random.Random, n: int, width: int = 95) -> list[str]:
    """Cut passages into PDF-like lines of about `width` characters at spaces."""
    docs = [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    rng.shuffle(docs)
    out: list[str] = []
    for doc in docs:
        for para in doc.split("\n"):
            para = " ".join(para.split())
            if sum("\u0e01" <= c <= "\u0e5b" for c in para) < 0.6 * max(1, len(para)):
                continue
            line = ""
            for word in para.split(" "):
                if line and len(line) + 1 + len(word) > width:
                    out.append(line)
                    line = word
                else:
                    line = f"{line} {word}".strip()
            if len(line) > width // 2:
                out.append(line)
            if len(out) >= n * 3:
                break
        if len(out) >= n * 3:
            break
    rng.shuffle(out)
    return out[:n]


def _clusters(s: str) -> list[str]:
    out: list[str] = []
    for ch in s:
        if ch in MARKS and out and out[-1][-1:] not in " ":
            out[-1] += ch
        else:
            out.append(ch)
    return out


def split_am(s: str, rng: random.Random) -> str:
    return re.sub(" ?\u0e33", lambda m: " \u0e32" if rng.random() < 0.95 else m.group(0), s)


def tone_first(s: str, rng: random.Random) -> str:
    return re.sub(f"([{ABOVE}{BELOW}])([{TONES}])", lambda m: m.group(2) + m.group(1) if rng.random() < 0.8 else m.group(0), s)


def slide_mark(s: str, rng: random.Random) -> str:
    """Move one vowel or tone mark onto the next bare consonant (`ภูมิภาค` -> `ภูมภิาค`)."""
    spots = [m.start(2) for m in re.finditer(f"([{CONS}])([{ABOVE}{BELOW}{TONES}])(?=[{CONS}](?![{MARKS}]))", s)]
    if not spots:
        return s
    i = rng.choice(spots)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def mark_over_space(s: str, rng: random.Random) -> str:
    """A word-final vowel mark lands after the following space (`ภาคี และ` -> `ภาค ีและ`)."""
    spots = [m.start(1) for m in re.finditer(f"[{CONS}]([{ABOVE}{BELOW}]) (?=[{CONS}{LEAD}])", s)]
    if not spots:
        return s
    i = rng.choice(spots)
    return s[:i] + " " + s[i] + s[i + 2:]


def letter_space(s: str, rng: random.Random) -> str:
    words = s.split(" ")
    thai = [k for k, w in enumerate(words) if len(w) >= 6 and all("\u0e01" <= c <= "\u0e5b" for c in w)]
    if not thai:
        return s
    k = rng.choice(thai)
    span = words[k:k + rng.randint(1, 3)]
    while not all("\u0e01" <= c <= "\u0e5b" for c in span[-1]):
        span.pop()
    spaced = " ".join(" ".join(_clusters(w)) for w in span)
    return " ".join(words[:k] + [spaced] + words[k + len(span):])


def spurious_space(s: str, rng: random.Random) -> str:
    cl = _clusters(s)
    spots = [k for k in range(1, len(cl)) if cl[k][0] in CONS + LEAD and cl[k - 1][-1] not in " " and cl[k - 1][0] not in LEAD
             and "\u0e01" <= cl[k - 1][0] <= "\u0e5b"]
    for k in sorted(rng.sample(spots, min(len(spots), rng.randint(1, 2))), reverse=True):
        cl.insert(k, " ")
    return "".join(cl)


def pua(s: str, rng: random.Random) -> str:
    return "".join(PUA[c] if c in PUA and rng.random() < 0.5 else c for c in s)


def decompose_am(s: str, rng: random.Random) -> str:
    return s.replace("\u0e33", "\u0e4d\u0e32")


def zero_width(s: str, rng: random.Random) -> str:
    cl = _clusters(s)
    k = rng.randrange(1, max(2, len(cl)))
    cl.insert(k, "\u200b")
    return "".join(cl)


def bullet(s: str, rng: random.Random) -> str:
    return "\uf0b7 " + s


class Markers:
    """Ascending footnote numbers, inserted the ways CONVENTIONS.md lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = rng.randint(1, 5)

    def __call__(self, s: str, rng: random.Random) -> str:
        self.n += rng.choice((1, 1, 1, 2, 3))
        num = str(self.n)
        style = rng.choice(("glued", "glued", "end", "bracket", "spaced", "syllable"))
        if style == "end" and not s.rstrip()[-1:].isdigit():
            return s.rstrip() + num
        if style == "bracket":
            spots = [m.end() for m in re.finditer(r"\)(?= )", s)]
            if spots:
                i = rng.choice(spots)
                return s[:i] + num + s[i:]
            style = "glued"
        if style == "syllable" and len(num) >= 2:
            spots = [m.start(1) for m in re.finditer(f"[{CONS}]([{TONES}])(?= )", s)]
            if spots:
                i = rng.choice(spots)
                return s[:i] + num[0] + s[i] + num[1:] + s[i + 1:]
            style = "glued"
        spots = [m.start() for m in re.finditer("(?<=[\u0e01-\u0e4e]) (?=[\u0e01-\u0e4e])", s)]
        if not spots:
            return s if s.rstrip()[-1:].isdigit() else s.rstrip() + num
        i = rng.choice(spots)
        if style == "spaced":
            return s[:i] + " " + num + s[i:]
        return s[:i] + num + s[i:]


def damage(lines: list[str], seed: int = 7) -> Iterator[Sample]:
    rng = random.Random(seed)
    markers = Markers(rng)
    steps = [  # (name, probability per line, function); applied in this order
        ("marker", 0.15, markers),
        ("slide_mark", 0.25, slide_mark),
        ("mark_over_space", 0.15, mark_over_space),
        ("tone_first", 0.6, tone_first),
        ("letter_space", 0.12, letter_space),
        ("spurious_space", 0.3, spurious_space),
        ("split_am", 0.85, split_am),
        ("decompose_am", 0.05, decompose_am),
        ("pua", 0.1, pua),
        ("zero_width", 0.05, zero_width),
        ("bullet", 0.03, bullet),
    ]
    for gold in lines:
        raw = gold
        kinds: list[str] = []
        for name, p, fn in steps:
            if rng.random() < p:
                new = fn(raw, rng)
                if new != raw:
                    kinds.append(name)
                    raw = new
        yield Sample(raw=raw, gold=gold, kinds=tuple(kinds))
