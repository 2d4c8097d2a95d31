"""Marks that pdfminer.six left at a page's end, put back on the page where they read best.

pdfminer.six groups a page's glyphs into text boxes; a tone or vowel it could not place in any
box (LibreOffice's and Chromium's pages, a few a page) is written after the page's last line,
alone on a line of its own (`่`, `ู`), and its word is left without it (`ที` for `ที่`, `ความร้`
for `ความรู้`). The text says nothing of where such a mark stood, but the page's words do: each
goes onto a letter of that page where the dictionary reads its words better with it (a word
it could not read becomes one it can, or fewer or commoner words), the page's marks together
where they read best. A mark no letter of the page reads better with stays out.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.optimize import linear_sum_assignment

from rag.repair.layout import FILLER, PAGEBREAK
from rag.repair.lines import marks_only
from rag.thai.chars import ABOVE_VOWELS, BELOW_VOWELS, CONSONANTS, MARKS, SARA_AM, THANTHAKHAT, TONES
from rag.thai.lexicon import Lexicon

# Marks that sit on a letter and that a word can be read with or without (NIKHAHIT and
# YAMAKKAN are left as they were: they stand in no common word on their own).
_PLACED = TONES + ABOVE_VOWELS + BELOW_VOWELS + THANTHAKHAT
# A mark goes where the words this near it all read as words with it (further on, a line may
# end inside a word).
_NEAR = 6
# An unknown letter costs as much as a rare word (a known word costs minus the log of its corpus
# frequency, 5-17), as in `box_pieces`.
_UNKNOWN_LETTER = 10.0
# ... and so does a word more: the dictionary's reading prefers fewer words (`เป็นที่`, one word
# though a rarer one, over `เป็น` + `ที`).
_WORD = 10.0
# Letters either side of a mark's place looked up in the rest of the document.
_SPELT = 3
# A run of fewer letters is a line spelt out a letter at a time (`จ ีน น ำา ท ี่บ`).
_SPACED_OUT = 2
# A page of pdfminer.six's text (a blank line after each line) runs to under 300 lines; text with
# no page breaks is one long "page", and only its last lines are asked (the cost grows with them).
_PAGE_LINES = 400


def _pages(opens_page: list[bool]) -> Iterator[tuple[int, int]]:
    """(first line, line after the last) of each page."""
    starts = [0, *(i for i, o in enumerate(opens_page) if o and i), len(opens_page)]
    for a, b in zip(starts, starts[1:], strict=False):
        if a < b:
            yield a, b


def _slot(text: str, c: int, mark: str) -> int | None:
    """Where ``mark`` goes onto the consonant ``text[c]``, if that has no mark of its kind yet:
    a vowel mark right after it, a tone or THANTHAKHAT after its marks (before a SARA AM). The
    marks after a consonant may still stand in any order here (`อยู่`: the glyph rules order
    them later), so all of them are asked."""
    if text[c] not in CONSONANTS:
        return None
    end = c + 1
    while end < len(text) and text[end] in MARKS:
        end += 1
    marks = text[c + 1:end]
    if mark in TONES or mark == THANTHAKHAT:
        if any(m in TONES + THANTHAKHAT for m in marks) or (mark == THANTHAKHAT and text[end:end + 1] == SARA_AM):
            return None
        return end
    return None if any(m in ABOVE_VOWELS + BELOW_VOWELS for m in marks) else c + 1


def _run(text: str, p: int) -> tuple[str, str, bool]:
    """The text before and after ``p`` out to the spaces that part words, a space next to a mark
    left out (pdfminer.six spaces a word's pieces apart at its marks: `เป็ น`, `ทุกป ี`, which
    the spacing rules join later), and whether the run reaches the line's start or end (where
    its words may go on on the next line)."""
    def parts(at: int) -> bool:  # the space at ``at`` parts words
        return text[at] == " " and not (at and text[at - 1] in MARKS) \
            and not (at + 1 < len(text) and text[at + 1] in MARKS)

    lo = p
    while lo > 0 and not parts(lo - 1):
        lo -= 1
    hi = p
    while hi < len(text) and not parts(hi):
        hi += 1
    return text[lo:p].replace(" ", ""), text[p:hi].replace(" ", ""), lo == 0 or hi == len(text)


def _known_near(text: str, at: int, lex: Lexicon) -> bool:
    """The dictionary knows every word of ``text`` within `_NEAR` letters of ``at``."""
    start = 0
    for word in lex.segment(text):
        end = start + len(word)
        if end > at - _NEAR and start <= at + _NEAR and lex.is_unknown(word):
            return False
        start = end
    return True


def _gains(texts: list[str], lines: list[int], mark: str, spelt: str, lex: Lexicon) -> dict[tuple[int, int], tuple[float, int]]:
    """{(line, consonant): (how much better the words around it read with ``mark`` on it, where
    it goes)} for each of the page's consonants that ``mark`` makes read better (`_run`; the
    dictionary's cost, an unknown letter or a word more as dear as a rare word), with the
    dictionary knowing the words next to it (`_known_near`), where the document (``spelt``: its
    text, spaces left out) does not spell those letters without the mark more often elsewhere:
    a name in Thai letters (`เซตีเนีย`, `ชาวอูเกอโน`) reads better with many a mark (`เนี่ย`,
    `เก้อ`), though none of its own is missing, and a document names it more than once. A run of
    one letter is a line spelt out a letter at a time (`บ ร ร จ ุ`)."""
    gains: dict[tuple[int, int], tuple[float, int]] = {}
    for i in lines:
        text = texts[i]
        for c in range(len(text)):
            p = _slot(text, c, mark)
            if p is None:
                continue
            before, after, cut = _run(text, p)
            if len(before) + len(after) < _SPACED_OUT:
                continue
            old, new = lex.cost(before + after), lex.cost(before + mark + after)
            gain = ((new.unknown - old.unknown) * _UNKNOWN_LETTER + (new.words - old.words) * _WORD
                    + new.rarity - old.rarity)
            if gain >= 0 or not _known_near(before + mark + after, len(before), lex):
                continue
            near = before[-_SPELT:], after[:_SPELT]
            if (min(map(len, near)) == _SPELT or not cut) \
                    and spelt.count(near[0] + near[1]) - 1 > spelt.count(near[0] + mark + near[1]):
                continue  # (at a line's end the letters the word goes on with are not known)
            gains[i, c] = (gain, p)
    return gains


def _place(texts: list[str], lines: list[int], marks: str, spelt: str, lex: Lexicon) -> int:
    """Each of ``marks`` onto the page's consonant it makes read better, one mark a consonant,
    the marks taken together (an assignment, by scipy's `linear_sum_assignment`): a tone that
    reads well in two places (`นี่`, `นี้`) leaves the one the other tone reads better in. A mark
    no consonant reads better with stays out. Returns how many went back."""
    marks = "".join(m for m in marks if m in _PLACED)
    by_mark = {m: _gains(texts, lines, m, spelt, lex) for m in set(marks)}
    slots = sorted({key for gains in by_mark.values() for key in gains})
    if not slots:
        return 0
    at = {key: j for j, key in enumerate(slots)}
    cost = np.zeros((len(marks), len(slots) + len(marks)))  # (a column of its own: left out)
    for r, m in enumerate(marks):
        for key, (gain, _) in by_mark[m].items():
            cost[r, at[key]] = gain
    placed: list[tuple[int, int, str]] = []
    for r, col in zip(*linear_sum_assignment(cost), strict=True):
        if col < len(slots) and cost[r, col] < 0:
            key = slots[col]
            placed.append((key[0], by_mark[marks[r]][key][1], marks[r]))
    for i, p, m in sorted(placed, reverse=True):  # (from a line's end, so places hold)
        texts[i] = texts[i][:p] + m + texts[i][p:]
    return len(placed)


def take_left_marks(texts: list[str], kinds: list[str], opens_page: list[bool]) -> list[tuple[int, int, str]]:
    """Each page's lines of marks alone after its last line of text (blank lines between)
    become FILLER, before the rules that put a mark cut off a line back onto the line above
    would put them onto the page's last line (`…ทฤษฎีที่ว่า` + `ู่`). Returns (page's first
    line, the line after its last text line, the marks) for `place_left_marks`."""
    left: list[tuple[int, int, str]] = []
    for first, end in _pages(opens_page):
        marks = ""
        k = end - 1
        while k >= first and (kinds[k] in (FILLER, PAGEBREAK) or not texts[k].strip()
                              or (not kinds[k] and marks_only(texts[k]))):
            if not kinds[k] and marks_only(texts[k]):
                marks = texts[k].strip() + marks
                kinds[k], texts[k] = FILLER, ""
            k -= 1
        if marks and k >= first:
            left.append((max(first, k + 1 - _PAGE_LINES), k + 1, marks))
    return left


def place_left_marks(texts: list[str], kinds: list[str], left: list[tuple[int, int, str]], lex: Lexicon) -> int:
    """The marks `take_left_marks` took, each put back onto its page's lines (see the module
    doc), once the lines cut at a mark are whole again. Returns how many went back."""
    spelt = "".join(t for t, k in zip(texts, kinds, strict=True) if not k).replace(" ", "") if left else ""
    return sum(_place(texts, [i for i in range(first, end) if not kinds[i] and texts[i].strip()], marks, spelt, lex)
               for first, end, marks in left)
