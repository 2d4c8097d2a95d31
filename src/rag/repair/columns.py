"""Two-column pages in pdftotext's text: put back together the two columns that it interleaves.

pdftotext (no `-layout`) reads a page row by row: where the two columns of a page have lines at
the same heights, it writes them one from each column in turn, every line set off by blank
lines as a text block of its own (`left 1`, ``, `right 1`, ``, `left 2`, …); a stretch that only
one column has at that height (next to the other's heading or paragraph gap) comes as one
block of several lines and takes its turn like a line, and so does a heading. A justified row
may come in pieces cut at its wide spaces, each set off. So on a page with that habit the
blocks are two streams in turn, a row's pieces one after another in their stream; the
cheapest reading (`_streams`, a shortest path over the blocks) gives each block its column.

One-column text has no such pages: its paragraphs are blocks of several lines, and its full
line is longer than a column's (XeLaTeX's one-column text has runs of one-line blocks too).
pdfminer.six sets every line off by a blank line (blank lines say nothing there), and writes a
two-column page's lines in turn or a column at a time by how its box grouping falls on the
page: in text with that habit a page is read apart only where the reading reads on better by
the document's own words (`continuation`).

Rows pdftotext orders across two rows of a justified page (a piece of one row written after
the next row) stay where they came: the widths alone do not say which row a piece ends.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from rag.repair.continuation import CharModel
from rag.repair.layout import FILLER, PAGEBREAK, is_endnote_heading
from rag.repair.lines import COLUMN_MEASURE, LONE_NUMBER, head_key
from rag.thai.chars import DIGITS, FOLLOW_VOWELS, LAKKHANGYAO, MARKS

_CHAPTER_WORDS = "บทที่|ส่วนที่|ภาคที่|ตอนที่|Chapter|Part|Section"
# A line that opens with a number or a chapter word and a number (`ส่วนที่ 2: `) heads a section or
# a list item.
NUMBERED_LINE = re.compile(rf"\s*(?:(?:{_CHAPTER_WORDS}|ข้อ)\s*[{DIGITS}]+[:.]?|[{DIGITS}]+(?:\.[{DIGITS}]+)*[.)])\s", re.I)
# A chapter or part heading with its number and a colon (`ส่วนที่ 2: สหภาพยุโรป`).
_CHAPTER = re.compile(rf"\s*(?:{_CHAPTER_WORDS})\s*[{DIGITS}]+\s*[:.]", re.I)
# A block of a two-column run is one whole printed line of its column: at least this share of a
# full line (justified column lines run to the margin; a paragraph's last line may be shorter
# and ends the run). The pieces pdftotext cuts from a justified line are shorter.
_WHOLE_LINE = 0.6
# Where the rows of the two columns line up, a block of several lines is a stretch that only one
# column has at its height (next to the other's heading or paragraph gap): at most this share
# of a page's blocks. XeLaTeX's two columns, whose rows do not line up, come in blocks of
# several lines all down the page, a column's lines also one by one, not in turn.
_SEVERAL_LINES = 0.15
# Runs shorter than this are left alone: two or three one-line blocks in a row occur in
# one-column text too (short one-line paragraphs).
_MIN_RUN = 4


def _width(text: str) -> int:
    """Letters that take room on the line (Thai marks stack on their letter; spaces are left
    out, pdftotext spelling some justified lines out letter by letter: `ร ับ ก า ร`)."""
    return sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch) != "Mn")


# pdfminer.six sets every line off (each is a text box of its own), a mark it cut off its line
# too (`วันท ี`, ``, `่ 4 พฤษภาคม`): there a line set off alone says nothing about columns.
# pdftotext writes a cut mark right under its line. Measured: 93-100 % of the mark lines come
# after a blank line in pdfminer.six's text, 0-8 % in pdftotext's.
_MARKS_SET_OFF = 0.5
_MIN_MARK_LINES = 5
_CUT = frozenset(MARKS + FOLLOW_VOWELS + LAKKHANGYAO)


def boxes_every_line(texts: list[str]) -> bool:
    """The extractor wrote every text box apart, cut marks too (pdfminer.six): most lines that
    open with a mark come after a blank line. Asked of the lines as they came in."""
    after_blank = direct = 0
    for i in range(1, len(texts)):
        if texts[i].lstrip("\f")[:1] in _CUT:
            if texts[i - 1].strip():
                direct += 1
            else:
                after_blank += 1
    return after_blank >= _MIN_MARK_LINES and after_blank > _MARKS_SET_OFF * (after_blank + direct)


class _Page:
    """The lines with what the reading so far left of them: `blank[i]` the input line was blank
    (it may be FILLER now, pdfminer.six's habit having been read)."""

    def __init__(self, texts: list[str], kinds: list[str], blank: list[bool]) -> None:
        self.texts, self.kinds, self.blank = texts, kinds, blank

    def text(self, i: int) -> bool:
        return not self.kinds[i] and bool(self.texts[i].strip())

    def passed(self, i: int) -> bool:
        """A line that the reading emptied (a mark that went back onto the line above)."""
        return self.kinds[i] == FILLER and not self.blank[i]

    def gap(self, i: int) -> bool:
        return self.blank[i] and (self.kinds[i] == FILLER or not self.kinds[i])


# Costs of reading a page's blocks as two streams (the left column's, the right one's). pdftotext
# reads row by row: after a row of one column (a block of one line or several) the next block is
# the other column's at that height (`_SAME_COLUMN` where it is not), and a row cut into pieces at
# wide justified spaces is complete when its pieces make a full line together (`_PIECES`, a reward).
_SAME_COLUMN = 1.0
_PIECES = -1.0
_ROW_DONE = 0.85
_PIECES_MIN, _PIECES_MAX = 0.7, 1.15
# A line wider than this share of a full line runs across the page, not in a column (Latin
# letters are narrower than Thai ones: a column's Latin line may count 1.4 full lines).
_ACROSS = 1.5


class _Block:
    """A text block of a page: its lines; the width of its first (past raised note numbers) and
    last line and of its widest, in full lines; whether it opens with a numbered or an endnote
    heading (never a row's piece), is a note number alone, or ends with one. In text that keeps
    the space a justified row was cut at (`spaced_cuts`: pdfminer.six's), whether its last row
    ends with that space (`open_end`) or its first opens with it (`open_start`); elsewhere both
    are true."""

    def __init__(self, lines: list[int], texts: list[str], full: float, spaced_cuts: bool = False) -> None:
        self.lines = lines
        self.spaced_cuts = spaced_cuts
        self.open_end = not spaced_cuts or texts[lines[-1]].endswith(" ")
        self.open_start = not spaced_cuts or texts[lines[0]].startswith(" ")
        # (a raised note number that pdftotext wrote before its line is not the line's start)
        own = [k for k in lines if not LONE_NUMBER.match(texts[k].strip())] or lines
        self.first = _width(texts[own[0]]) / full
        self.one_line = len(own) == 1
        self.last = _width(texts[lines[-1]]) / full
        self.widest = max(_width(texts[k]) for k in lines) / full
        opening_line = texts[lines[0]]
        self.notes_heading = is_endnote_heading(opening_line)
        self.heading = NUMBERED_LINE.match(opening_line) is not None or _CHAPTER.match(opening_line) is not None \
            or self.notes_heading
        self.number = len(lines) == 1 and LONE_NUMBER.match(texts[lines[0]].strip()) is not None
        self.marker = len(lines) > 1 and LONE_NUMBER.match(texts[lines[-1]].strip()) is not None

    def whole_line(self) -> bool:
        return len(self.lines) == 1 and _WHOLE_LINE <= self.first <= _PIECES_MAX


def _completes(a: _Block | None, b: _Block) -> bool:
    """Block b, one line, is the piece that completes the row that block a ends (where the text
    keeps the space a row was cut at, a's row ends with it or b opens with it); or block a
    ends with a note number on a line of its own (pdftotext ends a block at a raised number,
    and the column goes on in the next)."""
    if a is None:
        return False
    cut = a.open_end or b.open_start
    return a.marker or (b.one_line and cut and a.last < _ROW_DONE and _PIECES_MIN <= a.last + b.first <= _PIECES_MAX)


# How far back the other stream's last block is remembered: a row's piece comes within a few
# blocks of its row, so one further back completes nothing (and the reading stays linear in the
# page's blocks).
_REACH = 12
_FAR = -1


def _streams(blocks: list[_Block]) -> tuple[list[int], float]:
    """The cheapest reading of a page's blocks as two streams in turn: the stream of each block
    (0: the stream of the first block) and the cost; the state is the stream of the last block
    and the last block of the other stream (`_FAR`: none, or more than `_REACH` blocks back)."""
    State = tuple[int, int]
    steps: list[dict[State, tuple[float, State | None]]] = [{(0, _FAR): (0.0, None)}]
    for i in range(1, len(blocks)):
        step: dict[State, tuple[float, State | None]] = {}
        same = _PIECES if _completes(blocks[i - 1], blocks[i]) else _SAME_COLUMN
        for (s, other), (cost, _) in steps[-1].items():
            switch = _PIECES if _completes(blocks[other] if other != _FAR else None, blocks[i]) else 0.0
            kept = other if other != _FAR and i - other <= _REACH else _FAR
            for state, c in (((s, kept), cost + same), ((1 - s, i - 1), cost + switch)):
                if state not in step or c < step[state][0]:
                    step[state] = (c, (s, other))
        steps.append(step)
    state = min(steps[-1], key=lambda k: steps[-1][k][0])
    cost = steps[-1][state][0]
    path = []
    for i in range(len(blocks) - 1, -1, -1):
        path.append(state[0])
        back = steps[i][state][1]
        if back is None:
            break
        state = back
    return path[::-1], cost


def _one_stream_cost(blocks: list[_Block]) -> float:
    """The cost of reading the blocks as one column's in their order."""
    return sum(_PIECES if _completes(a, b) else _SAME_COLUMN for a, b in zip(blocks, blocks[1:], strict=False))


def _pages(page: _Page, opens_page: list[bool], full: float, spaced_cuts: bool) -> list[list[_Block]]:
    """The text blocks of each page: lines that only emptied lines part are one block."""
    pages: list[list[_Block]] = [[]]
    lines: list[int] = []
    for i in range(len(page.texts)):
        breaks = opens_page[i] or page.kinds[i] == PAGEBREAK
        if lines and (breaks or page.gap(i) or (page.kinds[i] and not page.passed(i))):
            pages[-1].append(_Block(lines, page.texts, full, spaced_cuts))
            lines = []
        if breaks and pages[-1]:
            pages.append([])
        if page.text(i):
            lines.append(i)
    if lines:
        pages[-1].append(_Block(lines, page.texts, full, spaced_cuts))
    return pages


def _column_parts(blocks: list[_Block]) -> list[list[_Block]]:
    """The page's blocks parted where a block has a line wider than a column's (a title, notes
    set across the page) or opens the endnotes (`หมายเหตุ`, which pdftotext writes after the
    last row of the two columns above it): the columns lie between."""
    parts: list[list[_Block]] = [[]]
    numbers: list[int] = []
    for b in blocks:
        if b.widest > _ACROSS or b.notes_heading:
            parts.append([])
        elif b.number:
            numbers += b.lines  # a raised note number, set before its line: it goes with the next block
            continue
        else:
            b.lines[:0] = numbers
            parts[-1].append(b)
        numbers = []
    return [p for p in parts if p]


# A page's running head and its number at the top: its first lines that open other pages too
# (a head, a stray raised number under it, `Page 7`).
_HEAD_LINES = 3


def _after_heads(blocks: list[_Block], texts: list[str], heads: Counter[str], full: float) -> list[_Block]:
    """The blocks without the lines that open them and open other pages too (the running head,
    `Page 7`), or a number alone next to those: they are no column's and stay where they are."""
    while blocks:
        line = texts[blocks[0].lines[0]]
        key = head_key(line)
        if not LONE_NUMBER.match(line.strip()) and (not key or heads[key] < 2):
            break
        rest = blocks[0].lines[1:]
        blocks = ([_Block(rest, texts, full, blocks[0].spaced_cuts)] if rest else []) + blocks[1:]
    return blocks


def _in_turn(blocks: list[_Block]) -> bool:
    """The page shows pdftotext's reading of two columns line by line: `_MIN_RUN` or more blocks
    in a row that are each one whole printed line (one-column text has its lines in blocks of
    several, and the pieces it cuts from a justified line are short), and the rows of its two
    columns line up, so that few blocks have several lines (`_SEVERAL_LINES`; the last two, the
    ends of the two columns, are not counted)."""
    several = sum(1 for b in blocks[:-2] if len(b.lines) > 1)
    if several > _SEVERAL_LINES * max(1, len(blocks) - 2):
        return False
    now = 0
    for b in blocks:
        now = now + 1 if b.whole_line() else 0
        if now >= _MIN_RUN:
            return True
    return False


def _laid_out(order: list[_Block], texts: list[str]) -> list[str]:
    """The blocks' lines in their new order: a piece that completes the row before it goes onto
    that row (after a space: pdftotext cut the row at a wide space), a block after a whole row
    goes on the same paragraph, and one after a short row (a paragraph's end, a heading) or one
    that opens with a numbered or an endnote heading after a blank line."""
    lines: list[str] = []
    prev: _Block | None = None
    for b in order:
        own = [texts[k] for k in b.lines]
        if prev is not None and not prev.marker and not b.heading and _completes(prev, b):
            # (b is one line, past the raised numbers written before it: those go on with it)
            piece = next(n for n, t in enumerate(own) if not LONE_NUMBER.match(t.strip()))
            lines[-1] = " ".join([lines[-1].rstrip(), *(t.strip() for t in own[:piece + 1])])
            own = own[piece + 1:]
        elif prev is not None and (prev.last < _ROW_DONE or b.heading) and not prev.marker:
            lines.append("")
        lines += own
        prev = b
    return lines


# A note number as pdftotext writes a superscript: glued to the word before it (`IPCC1 ใหม่`),
# not to a number (`19563`, a year and its note, is left out) nor after a full stop (`ค.ศ.4`).
_NOTE_NUMBER = re.compile(r"(?<=[A-Za-z\u0e01-\u0e4e])([1-9][0-9]?)(?=\s|$|[\u0e01-\u0e4e])")


_NOTES_A_PAGE = 10


def _note_numbers(blocks: list[_Block], texts: list[str]) -> list[int]:
    return [int(m.group(1)) for b in blocks for k in b.lines for m in _NOTE_NUMBER.finditer(texts[k])]


def _out_of_order(numbers: list[int]) -> int:
    return sum(1 for i, a in enumerate(numbers) for b in numbers[i + 1:] if a > b)


def _columns_in_order(first: list[_Block], second: list[_Block], texts: list[str], last_number: int) -> list[_Block]:
    """The two streams, the left column's first. The stream of the page's first block is the
    left one unless the note numbers read in order the other way round: pdftotext writes a
    right column's first line first where the left column opens lower (under a heading set
    with space above it), and a page's notes are numbered down the left column, then the right."""
    ahead = [last_number] if last_number else []
    near = last_number + _NOTES_A_PAGE  # (a larger number is a year's end or a quantity: `1998-99`)
    one, two = ([n for n in _note_numbers(s, texts) if n <= near] for s in (first, second))
    as_read, swapped = ahead + one + two, ahead + two + one
    return second + first if _out_of_order(swapped) < _out_of_order(as_read) else first + second


def deinterleave_pages(texts: list[str], kinds: list[str], blank: list[bool], opens_page: list[bool],
                       *, boxed: bool = False) -> int:
    """On a page where pdftotext read two columns line by line (`_in_turn`), each block goes to
    the column that reads best (`_streams`), and the blocks are laid back in the page's lines,
    the left column's first (`_columns_in_order`, `_laid_out`; each input line keeps its place,
    the texts move between them). The page's running head stays first, and short lines that
    close the page (its number) stay last. `blank`: the input line was blank.
    `boxed`: the text `boxes_every_line` (pdfminer.six's), whose layout does not say whether
    columns came in turn: a page is read apart only where its lines, so laid out, read on from
    one to the next better than as they came by a character model of the document's own lines
    (`continuation`), and by more than the whole document leans to lines in order; and that
    text keeps the space a justified row was cut at, so only a row cut there goes on in a piece
    (a short heading took the short line beside it). Returns how many pages (or parts of one
    between lines set across it) were read apart."""
    page = _Page(texts, kinds, blank)
    widths = sorted(_width(texts[i]) for i in range(len(texts)) if page.text(i))
    full = widths[(3 * len(widths)) // 4] if widths else 0
    if not full or full > COLUMN_MEASURE:
        return 0  # (a page-wide measure: blocks of one line are how pdftotext cut its paragraphs)
    pages = _pages(page, opens_page, full, boxed)
    words, lean = None, 0.0
    if boxed:
        lines = [[texts[k].strip() for b in on_page for k in b.lines] for on_page in pages]
        words = CharModel.counted(line for on_page in lines for line in on_page)
        lean = words.lean_to_turns(lines)
    heads = Counter(key for on_page in pages
                    for key in {head_key(texts[k]) for k in [k for b in on_page for k in b.lines][:_HEAD_LINES]})
    read = 0
    last_number = 0  # the last note number read so far
    for blocks in (part for on_page in pages for part in _column_parts(on_page)):
        if not _in_turn(blocks):
            last_number = (_note_numbers(blocks, texts) or [last_number])[-1]
            continue
        blocks = _after_heads(blocks, texts, heads, full)
        while blocks and len(blocks[-1].lines) == 1 and blocks[-1].first < _WHOLE_LINE:
            blocks = blocks[:-1]  # the page's number, a note's number
        path, cost = _streams(blocks)
        if cost >= _one_stream_cost(blocks):
            continue
        streams = ([b for b, s in zip(blocks, path, strict=True) if s == 0],
                   [b for b, s in zip(blocks, path, strict=True) if s == 1])
        order = _columns_in_order(*streams, texts, last_number)
        last_number = (_note_numbers(order, texts) or [last_number])[-1]
        slots = list(range(blocks[0].lines[0], blocks[-1].lines[-1] + 1))
        moved = _laid_out(order, texts)
        if words is not None and words.mean_gain(moved) + lean <= words.mean_gain([texts[k] for k in slots if page.text(k)]):
            continue
        for k, t in zip(slots, moved + [""] * (len(slots) - len(moved)), strict=True):
            texts[k] = t
            kinds[k] = "" if t or not kinds[k] or blank[k] else kinds[k]
        read += 1
    return read
