"""Pieces of printed lines that pdfminer.six writes out of their order, put back.

XeTeX sets each Thai tone mark as a glyph of its own, raised; pdfminer.six starts a new text
line at every such mark (`คอลเล็กชันเครื` + `่องแต่งกายนั` + `้นครอบคลุม…`) and writes each text
box apart, a blank line after it. The pieces of a printed line usually make a box each, in the
order they stand. But where pieces of two or three rows line up, it groups them into one box,
written top to bottom (and the pieces of one row in it right to left at times), and places the
boxes by its own flow: the rows' pieces interleave (`ซึ` / `่งมาถึงที` / `บอต ฮิวส์ ซึ` |
`่พิพิธภัณฑ์ในปี 1913 เมื` / `้อผ้าและเครื` | …). Read piece after piece, such a stretch gives
words no dictionary knows (`ซึ่พิพิธภัณฑ์`, `เมื้อผ้า`).

From every box of several lines on, with the boxes of mark pieces alone that follow it, the
order is read anew: each piece that opens with a mark goes after the piece whose end it
completes into the likeliest words, every piece taking one at most (an assignment, solved by
scipy's `linear_sum_assignment`; a ring of mark pieces that no row's start leads to is broken
where it reads worst), and the rows follow in the order their first pieces came. A few rounds
then read each join again with the pieces the last round put around it, and the order whose
lines read best (the words' rarity, a printed line no wider than a full one) is kept, only
where it reads clearly better than the order the pieces came in, join by join and line by
line: boxes of whole lines (a paragraph of LibreOffice's or Chromium's) stay as they came.
The box's mark pieces may end the row above it or the row written after it (Chromium's justified
pages: `…แห่งหนึ` above a box `คนต่อปี…` / `่งของสหรัฐ…`): the stretch is read again with those
rows taken in, and that reading kept where it reads clearly better than the stretch's own. Joins
are read with the marks in the order the repair writes them (a tone written before the vowel
below its letter, a SARA AM before its tone).

A justified line that pdfminer.six cut at a wide space comes as pieces, the space ending one or
opening the next (`join_spaced_pieces`): they go back onto one line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from rag.repair.glyphs import order_marks
from rag.repair.layout import FILLER, PAGEBREAK, is_endnote_heading
from rag.repair.line_order import glue_pieces
from rag.repair.lines import CONTINUES, full_width, is_text, line_width, next_line, starts_inside_word
from rag.thai.chars import BELOW_VOWELS, CONSONANTS, NIKHAHIT, SARA_AM, TONES
from rag.thai.lexicon import Lexicon

# How much of a piece's end and of the next piece's start the dictionary reads at a join.
_JOIN_WINDOW = 12
# A letter the dictionary cannot place in any word costs as much as a rare word does (a known
# word costs minus the log of its corpus frequency, 5-17).
_UNKNOWN_LETTER = 10.0
# Of two pairings that read alike, the one that moves the piece less wins.
_MOVE_STEP = 0.01
# A stretch is read in the new order only where that reads better by this much: about one letter
# that the old order left outside any word.
_GAIN = 10.0
_NO_PAIR = 1e6
# Rounds that read each join again with the pieces the last round put either side of it (a
# short piece, `่อมั`, reads alike after many ends; its neighbours settle it).
_ROUNDS = 3
# Rings of mark pieces (each after the other, no row's start before them) broken, at most.
_RINGS = 12
# A printed line is at most this share of a full one (justified lines stretch their spaces).
_ROW_FIT = 1.1
# What a mark cut off a piece's end sat on: a consonant, or a vowel written above or below it.
_CARRIES = frozenset(CONSONANTS + "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39")
_CUT = "".join(CONTINUES)
_MAI_YAMOK = "\u0e46"  # ๆ repeats the word before it: a symbol, no word's letter


def _reading_cost(text: str, lex: Lexicon) -> float:
    """How unlikely the text reads: the rarity of its words (a unigram model), and a cost for
    each letter no word takes."""
    # (read with its marks in order, as the repair will write them: pieces cut between a vowel
    # below and its tone, `ร้` + `ูจัก`, or inside a doubled SARA AM, `นำ` + `้ามัน`, join into
    # `รู้จัก`, `น้ำมัน`)
    cost = lex.cost(order_marks(text.replace(_MAI_YAMOK, " "), Counter()))
    return cost.unknown * _UNKNOWN_LETTER + cost.rarity


def _join_cost(before: str, after: str, lex: Lexicon) -> float:
    """What the start of `after` adds to the reading cost of the end of `before` alone, read
    `_JOIN_WINDOW` characters either side (`_NO_PAIR` where `before`'s last letter carries no
    mark). Marks that open the end read, cut from what came before it, are left out: they read
    the same wherever that goes."""
    tail = before[-_JOIN_WINDOW:].lstrip(_CUT)
    # (marks the extractor wrote out of order: a tone before the vowel below its letter, `ร้` +
    # `ูจัก`, and a SARA AM, or its NIKHAHIT, before its tone, written again after it, `นำ` +
    # `้ามัน`, `นํ` + `้าตาล`)
    carried = (before[-1:] in _CARRIES or (before[-1:] in TONES and after[:1] in BELOW_VOWELS)
               or (before[-1:] in (SARA_AM, NIKHAHIT) and after[:1] in TONES))
    if not tail or not carried:
        return _NO_PAIR
    return _reading_cost(tail + after[:_JOIN_WINDOW], lex) - _reading_cost(tail, lex)


@dataclass
class _Pieces:
    """A page's text lines as pdfminer.six wrote them, and the box each came in."""

    texts: list[str]
    boxes: list[int]
    lex: Lexicon
    full: float
    memo: dict[tuple[int, int], float] = field(default_factory=dict)

    def opens_with_mark(self, q: int) -> bool:
        return starts_inside_word(self.texts[q])

    def cost(self, a: int, b: int) -> float:
        """Piece b after piece a (`_join_cost`)."""
        if (a, b) not in self.memo:
            self.memo[a, b] = _join_cost(self.texts[a], self.texts[b], self.lex)
        return self.memo[a, b]


def _pages(texts: list[str], kinds: list[str], blank: list[bool], opens_page: list[bool]) -> list[tuple[list[int], list[int]]]:
    """Each page's text lines, and the box each came in (a blank line ends a box)."""
    pages: list[tuple[list[int], list[int]]] = [([], [])]
    box = 0
    for i, t in enumerate(texts):
        if opens_page[i] or kinds[i] == PAGEBREAK:
            pages.append(([], []))
        if blank[i]:
            box += 1
        elif not kinds[i] and t.strip():
            pages[-1][0].append(i)
            pages[-1][1].append(box)
    return [p for p in pages if p[0]]


def order_box_pieces(texts: list[str], kinds: list[str], blank: list[bool], opens_page: list[bool], lex: Lexicon) -> int:
    """Put the pieces of each tangled stretch back in order (see the module doc). `blank`: the
    input line was blank. Lines keep their places; their texts move. Returns how many lines'
    texts moved."""
    moved = 0
    pages = _pages(texts, kinds, blank, opens_page)
    # a full printed line: of the lines the pieces make as they came
    rows = _rows([texts[i].rstrip(" ") for lines, _ in pages for i in lines])
    full = full_width(rows, [""] * len(rows))
    for lines, boxes in pages:
        came = [texts[i] for i in lines]
        pieces = _Pieces([t.rstrip(" ") for t in came], boxes, lex, full)
        for lo, wide, hi, below in _stretches(pieces):
            order = _read_anew(pieces, lo, hi)
            if wide < lo or below > hi:
                # the rows above and below taken in: kept where it reads clearly better than without
                around = list(range(wide, lo)) + (order or list(range(lo, hi))) + list(range(hi, below))
                wider = _read_anew(pieces, wide, below)
                if wider is not None and _order_cost(pieces, wider) < _order_cost(pieces, around) - _GAIN:
                    lo, hi, order = wide, below, wider
            if order is None:
                continue
            # (with the space pdfminer.six left at a piece's end: the piece of a justified line
            # cut at a wide space, which `join_spaced_pieces` reads)
            for i, q in zip(lines[lo:hi], order, strict=True):
                moved += texts[i].rstrip(" ") != pieces.texts[q]
                texts[i] = came[q]
    return moved


def _stretches(pieces: _Pieces) -> list[tuple[int, int, int, int]]:
    """Stretches [lo, hi) of a page's pieces whose order may be tangled: a box of several lines,
    the boxes of several lines right after it and the boxes of mark pieces alone that follow
    (the rows they continue may be in it), from the first piece of the row the box opens in.
    With each, `wide`: where it starts with the row above taken in too (the stretch's mark
    pieces may end that row: `…แห่งหนึ` above a box `คนต่อปี…` / `่งของสหรัฐ…`), or `lo` where
    that row belongs to the stretch before or the stretch has no mark piece; and `below`: where
    it ends with the row written after it taken in too (`Kimmel) เกิดเมื` after a box holding
    `่ 13 …`), or `hi`, short of the next stretch either way. As (lo, wide, hi, below)."""
    n = len(pieces.texts)
    members: dict[int, list[int]] = {}
    for q, b in enumerate(pieces.boxes):
        members.setdefault(b, []).append(q)

    def box_of(q: int) -> list[int]:
        return members[pieces.boxes[q]]

    def row_start(q: int) -> int:
        while q > 0 and pieces.opens_with_mark(q):
            q -= 1
        return q

    found: list[tuple[int, int, int, int]] = []
    q = 0
    while q < n:
        if len(box_of(q)) < 2:
            q += 1
            continue
        lo, hi = row_start(q), box_of(q)[-1] + 1
        while hi < n and (len(box_of(hi)) > 1 or all(pieces.opens_with_mark(p) for p in box_of(hi))):
            hi = box_of(hi)[-1] + 1
        if found and lo < found[-1][2]:
            lo = found.pop()[0]
        marks = any(pieces.opens_with_mark(p) for p in range(lo, hi))
        wide = row_start(lo - 1) if lo > 0 and marks else lo
        if found and wide < found[-1][3]:
            wide = lo  # (that row is the stretch before's)
        below = hi
        if marks and hi < n:
            below = hi + 1
            while below < n and pieces.opens_with_mark(below):
                below += 1
        found.append((lo, wide, hi, below))
        q = hi
    # (a wide reading stops short of the next stretch)
    return [(lo, wide, hi, min(below, found[k + 1][0]) if k + 1 < len(found) else below)
            for k, (lo, wide, hi, below) in enumerate(found)]


def _rows(pieces: list[str]) -> list[str]:
    """The printed lines that the pieces make in this order: a mark piece goes onto the piece
    before it."""
    rows: list[str] = []
    for piece in pieces:
        if rows and starts_inside_word(piece):
            rows[-1] += piece
        else:
            rows.append(piece)
    return rows


def _order_cost(pieces: _Pieces, order: list[int]) -> float:
    """How unlikely the printed lines that the pieces make in this order read, each character a
    line runs past the margin costing as much as a letter no word takes."""
    rows = _rows([pieces.texts[q] for q in order])
    over = sum(max(0.0, line_width(row) - _ROW_FIT * pieces.full) for row in rows)
    return sum(_reading_cost(row, pieces.lex) for row in rows) + over * _UNKNOWN_LETTER


def _chains(span: list[int], marks: list[int], after: dict[int, int]) -> tuple[list[int], list[int]]:
    """The pieces in row order (each row's start, then the pieces that follow it), and the mark
    pieces left out: those in a ring that no row's start leads to."""
    order: list[int] = []
    for start in span:
        if start in marks:
            continue
        q: int | None = start
        while q is not None:
            order.append(q)
            q = after.get(q)
    seen = set(order)
    return order, [q for q in marks if q not in seen]


def _assign(pieces: _Pieces, span: list[int], marks: list[int], before: dict[int, int], after: dict[int, int]) -> dict[int, int] | None:
    """Each mark piece's piece before it, the cheapest way that leaves no ring; None where none."""
    cost = np.array([[_pair_cost(pieces, p, q, before, after) + _MOVE_STEP * abs(q - 1 - p) if p != q else _NO_PAIR
                      for p in span] for q in marks])
    for _ in range(_RINGS):
        rows, cols = linear_sum_assignment(cost)
        if cost[rows, cols].max() >= _NO_PAIR:
            return None
        found = {span[c]: marks[r] for r, c in zip(rows, cols, strict=True)}
        _, ring = _chains(span, marks, found)
        if not ring:
            return found
        by = {q: p for p, q in found.items()}
        worst = max(ring, key=lambda q: cost[marks.index(q), span.index(by[q])])
        cost[marks.index(worst), span.index(by[worst])] = _NO_PAIR  # (break the ring where it reads worst)
    return None


def _read_anew(pieces: _Pieces, lo: int, hi: int) -> list[int] | None:
    """The stretch's pieces in their new order, or None where the dictionary reads the order they
    came in about as well (or no order puts every mark piece after a piece that can carry it)."""
    span = list(range(lo, hi))
    marks = [q for q in span if pieces.opens_with_mark(q)]
    if not marks:
        return None
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    best, best_cost = None, _order_cost(pieces, span) - _GAIN
    for n in range(_ROUNDS + 1):
        found = _assign(pieces, span, marks, before, after)
        if found is None or found == after:
            break
        if n == 0:
            pairs = sum(pieces.cost(p, q) for p, q in found.items())
            if pairs > sum(pieces.cost(q - 1, q) if q > lo else _NO_PAIR for q in marks) - _GAIN:
                return None  # (the order they came in reads about as well, join by join)
        after = found
        before = {q: p for p, q in after.items()}
        order, _ = _chains(span, marks, after)
        c = _order_cost(pieces, order)
        if c < best_cost:
            best, best_cost = order, c - _GAIN  # (a later round has to read clearly better)
    return best


def _pair_cost(pieces: _Pieces, p: int, q: int, before: dict[int, int], after: dict[int, int]) -> float:
    """Piece q after piece p, read with the pieces the last round put before p and after q."""
    if not before and not after:
        return pieces.cost(p, q)
    tail, k = pieces.texts[p], p
    while len(tail) < _JOIN_WINDOW and k in before and before[k] != q:
        k = before[k]
        tail = pieces.texts[k] + tail
    head, k = pieces.texts[q], q
    while len(head) < _JOIN_WINDOW and k in after and after[k] != p:
        k = after[k]
        head += pieces.texts[k]
    return _join_cost(tail, head, pieces.lex)


def join_spaced_pieces(texts: list[str], kinds: list[str], opens_page: list[bool]) -> int:
    """pdfminer.six writes the pieces of a justified line that it cut at its wide spaces as text
    boxes of their own, the space it was cut at ending the piece before it (Chromium's pages) or
    opening the piece after it (LibreOffice's, at times). A printed line neither ends nor opens
    with a space in its text: of the lines that end with one in its text of the generated
    one-column documents, none ended a paragraph, and of those that open with one, none opened
    one (docs/repair.md). A line that ends with a space, or that the next text line opens with
    one, takes that line onto it where the two fit on one printed line. Returns how many pieces
    were put back."""
    full = full_width(texts, kinds)
    joined = 0
    i = 0
    while i < len(texts):
        if not is_text(texts, kinds, i):
            i += 1
            continue
        k = next_line(texts, kinds, i)
        if not is_text(texts, kinds, k) or not (texts[i][-1:].isspace() or texts[k][:1].isspace()) \
                or opens_page[k] or is_endnote_heading(texts[k]) \
                or line_width(texts[i]) + 1 + line_width(texts[k]) > _ROW_FIT * full:
            i += 1
            continue
        texts[i] = glue_pieces(texts[i], [texts[k].strip()]) + (" " if texts[k][-1:].isspace() else "")
        kinds[k], texts[k] = FILLER, ""
        joined += 1
    return joined
