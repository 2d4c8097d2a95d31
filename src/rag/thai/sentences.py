"""Sentences of a passage, for the extract that opens an answer.

Thai has no full stop: a space between two Thai words ends a sentence or a clause, while a
space next to a Latin word, a number or inside parentheses is only word spacing ("ของจีน
(Ministry of Commerce: MOFCOM) กระทรวง..."). Latin text ends sentences at . ! ? unless the
word before is an abbreviation or an initial ("Wagner, C. S."). A space before a word that
continues the clause ("และ", "หรือ", "ซึ่ง"...) or after one that expects more ("เช่น",
"ได้แก่"...) is a list or clause break, not a sentence end; pieces too short to read on their
own join the next one.

Chunks are cut at phrase breaks with an overlap, so a passage may begin or end inside a
sentence; :func:`is_fragment_start` / :func:`is_fragment_end` spot the usual signs, so the
extract never opens with half a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.thai.chars import FOLLOW_VOWELS, LETTERS, MAIYAMOK, MARKS

# Thai letters and marks (ๆ included), not digits or the currency sign.
_THAI_CHAR = re.compile(f"[{re.escape(LETTERS)}{MAIYAMOK}]")
# A Thai word never starts with these: following vowels, above/below marks, tone marks.
_THAI_NON_INITIAL = re.compile(f"[{re.escape(FOLLOW_VOWELS + MARKS)}]")
_LATIN_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_INITIALS = re.compile(r"^\(?(?:[A-Za-z]\.)+$")
_ABBREVIATIONS = {
    "e.g.", "i.e.", "dr.", "mr.", "mrs.", "ms.", "prof.", "no.", "vol.", "pp.", "p.", "al.", "vs.",
    "st.", "jr.", "co.", "inc.", "ltd.", "ed.", "eds.", "fig.", "art.", "sec.", "cf.", "approx.",
}
# A piece starting with one of these continues the sentence before it (list items, relative
# clauses, examples); a piece ending with one of these expects what follows.
# Only words that cannot also begin or end a sentence ("ใน..." opens many; "...ที่" ends
# "พื้นที่").
_CONTINUES = ("และ", "หรือ", "ซึ่ง", "เช่น", "ได้แก่", "คือ", "ๆ", "รวมถึง", "รวมไปถึง", "ตลอดจน",
              "อาทิ", "กับ", "แก่", "ของ", "เพื่อ", "ประกอบด้วย")
_EXPECTS = ("เช่น", "ได้แก่", "คือ", "และ", "หรือ", "ซึ่ง", "โดย", "ระหว่าง", "อาทิ", "รวมถึง", "จาก")
_EXPECTS_END = re.compile(r"(?:(?<!ก)ว่า|ได้จาก|ไปที่|ดังนี้)$")
# "ความมั่นคงทางอาหาร พลังงาน และทรัพยากร": a short item followed by และ/หรือ is a list.
_LIST_ITEM = re.compile(r"(?:\S{1,20}\s+){1,3}(?:และ|หรือ)")
MIN_CHARS = 30
# A parenthesis left open this long is a typo, not a gloss: stop protecting its spaces.
_MAX_PAREN = 200


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str, min_chars: int = MIN_CHARS) -> list[Sentence]:
    """The sentences of ``text`` with their offsets, in order; together they cover it."""
    bounds = [0]
    depth_since: int | None = None  # offset of the open parenthesis we are inside, if any
    for m in re.finditer(r"[()]|\s+", text):
        tok, i, j = m.group(), m.start(), m.end()
        if tok == "(":
            depth_since = i if depth_since is None else depth_since
            continue
        if tok == ")":
            depth_since = None
            continue
        if depth_since is not None and i - depth_since > _MAX_PAREN:
            depth_since = None
        if i == 0 or j == len(text):
            continue
        if "\n" in tok:
            bounds.append(j)
            depth_since = None
        elif depth_since is None and _is_boundary(text, i, j):
            bounds.append(j)
    bounds.append(len(text))
    pieces = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip()]
    merged: list[tuple[int, int]] = []
    for a, b in pieces:
        if merged and len(text[merged[-1][0]:merged[-1][1]].strip()) < min_chars:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    if len(merged) > 1 and len(text[merged[-1][0]:merged[-1][1]].strip()) < min_chars:
        merged[-2:] = [(merged[-2][0], merged[-1][1])]
    out = []
    for a, b in merged:
        raw = text[a:b]
        lead = len(raw) - len(raw.lstrip())
        out.append(Sentence(start=a + lead, end=a + len(raw.rstrip()), text=" ".join(raw.split())))
    return out


def _is_boundary(text: str, i: int, j: int) -> bool:
    """Does the space text[i:j] end a sentence?"""
    before, after = text[i - 1], text[j]
    word_before = text[text.rfind(" ", 0, i) + 1:i]
    if _LATIN_END.search(word_before):
        if _THAI_CHAR.search(word_before) or _INITIALS.match(word_before):
            return False  # ค.ศ. / ดร. / U.S. / C. S.
        if word_before.lower().lstrip("(") in _ABBREVIATIONS:
            return False
        return not (after.islower() or after.isdigit())
    if not (_THAI_CHAR.match(before) and _THAI_CHAR.match(after)) or _THAI_NON_INITIAL.match(after):
        return False
    rest = text[j:j + 40]
    if any(rest.startswith(w) for w in _CONTINUES) or _LIST_ITEM.match(rest):
        return False
    return not (any(text.endswith(w, 0, i) for w in _EXPECTS) or _EXPECTS_END.search(text, 0, i))


def is_fragment_start(sentence: str) -> bool:
    """Does this first sentence of a passage look cut from the one before it?"""
    s = sentence.lstrip()
    if not s:
        return True
    first = s[0]
    if first.islower() or first in ")]}.,;:”’\"'-–" or _THAI_NON_INITIAL.match(first):
        return True
    if first == "(" and len(s) > 1 and s[1].isalpha() and not s[1:3].rstrip(")").isdigit():
        return True  # "(National Development and Reform Commission: NDRC) ซึ่ง ..."
    return any(s.startswith(w) for w in _CONTINUES)


def is_fragment_end(sentence: str) -> bool:
    """Does this last sentence of a passage look cut before its end?"""
    s = sentence.rstrip()
    if not s:
        return True
    if s.count("(") > s.count(")"):
        return True
    last_word = s[s.rfind(" ") + 1:]
    if last_word.endswith(".") and (_THAI_CHAR.search(last_word) or _INITIALS.match(last_word)
                                    or last_word.lower() in _ABBREVIATIONS):
        return True
    return any(s.endswith(w) and (len(s) == len(w) or s[-len(w) - 1] == " ") for w in _EXPECTS)


def stretches(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Spans of at most ``max_chars`` characters that together cover ``text`` but for runs of
    spaces, each beginning at its start or after a space and ending at a space or its end, about
    a third of ``max_chars`` apart: what an extract may show of a sentence too long to show
    whole. Thai PDF text has few sentence ends, so a "sentence" can run to many hundred
    characters and its head need not be the part that answers. The first span is the head:
    cut at the last space that keeps at least half of it, or at ``max_chars`` when there is
    none."""
    if len(text) <= max_chars:
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = start + max_chars
        if end >= len(text):
            spans.append((start, len(text)))
            return spans
        cut = text.rfind(" ", start, end)
        end = cut if cut > start and cut >= start + max_chars // 2 else end
        spans.append((start, end))
        nxt = text.find(" ", start + max_chars // 3, end)
        # the next span begins after a space within this one, or (a word longer than the
        # span) where this one was cut, so no stretch of the text is left out
        start = nxt + 1 if nxt != -1 else end
        while start < len(text) - 1 and text[start] == " ":
            start += 1


def clip(text: str, start: int, end: int) -> str:
    """``text[start:end]``, with an ellipsis on each side where the text goes on."""
    body = text[start:end]
    if end < len(text):
        body = (body.rstrip(" ,;:") or body) + " …"
    return ("… " + body.lstrip(" ")) if start > 0 else body
