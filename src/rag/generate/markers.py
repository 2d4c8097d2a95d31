"""Claim markers: the words that turn a passage's topic into a claim the passage does not make.

A generated sentence can stay on its passage's topic, in its vocabulary, and still say what
the passage never says: that something *should* be done, was *abolished* or *banned*, is the
*largest*, *reduces* what the passage says it increases, or has become *irrelevant*. The
sentence vectors put such a sentence as close to the passage as a faithful paraphrase (they
encode the topic more than the assertion), and across languages the word-coverage test does not
run (check.py, rule 4). These are the cues contradiction detection has long read (modality,
superlatives and exclusives, verbs that end or reverse something, judgements of worth): a
sentence that uses one must cite a passage that holds a word of the same class, in Thai or in
English. Only the class is asked for, not the word or its place: a faithful paraphrase may say
"must" where the passage says ควร, so the test rejects a claim only where its passage has no
such word at all.

Written by hand: no Thai or cross-lingual inference model is available offline, and the word
classes are a small closed list. Negation is not a class: nearly every Thai passage holds ไม่
somewhere, so it would reject nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rag.lexical.tokenize import tokenize

# class -> (English base forms, Thai words); English words are matched with their inflections
# (``english_forms``), Thai ones as whole tokens of the sentence, anywhere in the passage.
CLASSES: dict[str, tuple[str, str]] = {
    "obligation": ("should must ought need needs required require necessary necessity recommend urge",
                   "ควร ต้อง จำเป็น พึง แนะนำ เสนอแนะ ข้อเสนอ ข้อเสนอแนะ เรียกร้อง"),
    "superlative": ("largest biggest greatest highest lowest smallest most best worst only sole first earliest "
                    "oldest newest latest fastest strongest weakest richest poorest",
                    "ที่สุด สูงสุด ต่ำสุด สุด เท่านั้น แห่งเดียว อย่างเดียว เพียง แรก ครั้งแรก ชั้นนำ อันดับ ส่วนใหญ่"),
    "ending": ("abolish ban forbid forbade forbidden prohibit outlaw cancel repeal scrap eliminate halt terminate "
               "revoke dismantle",
               "ยกเลิก ห้าม ต้องห้าม ยุติ ระงับ เลิก ขจัด กำจัด หยุด หยุดชะงัก เพิกถอน ล้มเลิก สิ้นสุด สิ้นสุดลง รื้อ"),
    "decrease": ("reduce decrease cut decline drop shrink shrank weaken lessen diminish curb",
                 "ลด ลดลง น้อยลง ถดถอย ตกต่ำ หด ลดทอน บรรเทา ต่ำลง เสื่อม อ่อนแอ"),
    "increase": ("increase raise rise rose risen grow grew grown boost expand strengthen enhance intensify",
                 "เพิ่ม เพิ่มขึ้น ขยาย เติบโต สูงขึ้น เสริม ยกระดับ มากขึ้น ทวี ผงาด"),
    "worthless": ("irrelevant unimportant useless obsolete insignificant ineffective pointless meaningless "
                  "worthless outdated",
                  "ไม่สำคัญ ไร้ประโยชน์ ล้าสมัย ไม่มีความหมาย ไม่เกี่ยวข้อง ไร้ความหมาย ไม่มีประโยชน์ ไร้ค่า "
                  "หมดความสำคัญ"),
}
_ENGLISH = {name: frozenset(english.split()) for name, (english, _) in CLASSES.items()}
_THAI = {name: tuple(thai.split()) for name, (_, thai) in CLASSES.items()}
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Marker:
    """A word of a sentence that makes a claim of its class."""

    word: str
    kind: str  # a key of CLASSES


def english_forms(word: str) -> set[str]:
    """``word`` (lower case) and the base forms it may inflect: reduces, reduced, reducing,
    banned, scrapped, abolishes."""
    forms = {word}
    for suffix in ("s", "es", "ed", "d", "ing"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            forms |= {stem, stem + "e"}
            if len(stem) > 2 and stem[-1] == stem[-2]:  # banned, scrapped
                forms.add(stem[:-1])
    return forms


@functools.cache
def _thai_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(tokenize(phrase))


def _holds_tokens(tokens: list[str], phrase: str) -> bool:
    want = _thai_tokens(phrase)
    n = len(want)
    return n > 0 and any(tuple(tokens[i:i + n]) == want for i in range(len(tokens) - n + 1))


def markers_in(sentence: str) -> list[Marker]:
    """The claim markers of ``sentence``, one per class. An English word capitalised inside
    the sentence is part of a name (Ban Ki-moon, the Most Favoured Nation clause), not a marker;
    nor is a first word set off by a comma ("First, ..."), which orders the answer."""
    out: dict[str, Marker] = {}
    for i, m in enumerate(_WORD.finditer(sentence)):
        word = m.group()
        if (i > 0 and word[0].isupper()) or (i == 0 and sentence[m.end():m.end() + 1] == ","):
            continue
        forms = english_forms(word.lower())
        for kind, words in _ENGLISH.items():
            if kind not in out and forms & words:
                out[kind] = Marker(word, kind)
    tokens = tokenize(sentence)
    for kind, phrases in _THAI.items():
        if kind not in out:
            found = next((p for p in phrases if _holds_tokens(tokens, p)), None)
            if found is not None:
                out[kind] = Marker(found, kind)
    return list(out.values())


def backs(kind: str, passage: str) -> bool:
    """Whether ``passage`` (lower-cased) holds a word of the class: a Thai word anywhere in it
    (inside a compound too: ส่งเสริม backs เสริม), an English one as a word."""
    if any(p in passage for p in _THAI[kind]):
        return True
    return any(english_forms(w) & _ENGLISH[kind] for w in set(_WORD.findall(passage)))


def unbacked_markers(sentence: str, passage: str) -> list[Marker]:
    """The markers of ``sentence`` whose class ``passage`` (the cited passages and their
    references, lower-cased) never uses."""
    return [m for m in markers_in(sentence) if not backs(m.kind, passage)]
