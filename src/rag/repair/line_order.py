"""Pieces of printed lines that pdftotext writes out of their order on the page, put back
(`reflow` calls these): rows of a justified paragraph that it read as columns, their pieces
placed back by its own reading order (`reading_order`), and the rest of a line that it wrote
before the line's start because the rest opens with marks set higher than the line's
letters."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence

from rag.repair.columns import NUMBERED_LINE
from rag.repair.glyphs import repair_glyphs
from rag.repair.layout import FILLER, is_endnote_heading, printed_page_number
from rag.repair.lines import LONE_NUMBER, is_blank, is_text, line_width, next_line, starts_inside_word
from rag.thai.chars import CONSONANTS
from rag.thai.lexicon import Lexicon

# A printed line of a justified paragraph runs to the margin: its two halves, put back together,
# make about one full line (the width counts characters, and Thai letters differ in width).
ROW_MIN = 0.85
_ROW_MAX = 1.12
# The first of a block's left halves may run nearly to the margin, only a short word beyond a
# wide space (a left half whose right half came as the next piece is shorter: `ROW_MIN`).
_ROW_OPEN = 0.9
# At most this many rows read as columns at once (left halves that close a block, and rows that
# pieces at the margin open below them), and this many right halves (pieces) a row.
_MAX_ROWS = 4
_PIECES_PER_ROW = 2.5


def _zone_lines(texts: list[str], kinds: list[str], start: int, most: int) -> list[int]:
    """The text lines from `start` on, blank and FILLER lines passed over, up to a page break, a
    page's number (the page's furniture, not a row's piece) or an endnote heading (``most`` at
    most)."""
    found: list[int] = []
    j = start
    while j < len(texts) and len(found) < most:
        if kinds[j] and kinds[j] != FILLER:
            break
        if is_text(texts, kinds, j):
            if is_endnote_heading(texts[j]) or printed_page_number(texts[j]):
                break
            found.append(j)
        j += 1
    return found


def _ends_block(texts: list[str], kinds: list[str], i: int) -> bool:
    """Line i is the last of its text block: a blank line, a page break, a page's number or the
    end follows."""
    j = next_line(texts, kinds, i)
    return not is_text(texts, kinds, j) or printed_page_number(texts[j])


# The placings of a block's pieces looked at, at most (those where the pieces left cannot fill
# every row are not followed: four rows and ten pieces mostly stay far under it).
_MOST_SPLITS = 200_000
# The placings, most pieces read and then nearest a full line first, whose reading order is
# worked out, at most.
_MOST_ORDERS = 500
# Of those, the first this many are also tried with widths drawn `_SAMPLES` times about their
# counts (`_WIDTH_SPREAD`, log scale), and kept where at least `_HITS` of the draws read in order.
_MOST_NOISY = 40
_SAMPLES = 16
_WIDTH_SPREAD = 0.15
_HITS = 0.25

Box = tuple[int, float, float]  # a piece on the page: its row, where it starts and ends
_EDGE_SLACK = 1.0  # characters taken off each side of a box (`_boxes`)


def _boxes(widths: Sequence[float], rows: list[list[int]], full: float) -> list[Box]:
    """Where the lines ``widths`` (in characters) stand on the page, placed on ``rows`` (each a
    list of lines, left to right): each row justified, its spaces stretched alike (or the whole
    row squeezed, where the characters overfill it) to run from margin to margin. Each box is
    narrowed by `_EDGE_SLACK` on both sides: two pieces that nearly touch read as side by side."""
    boxes: list[Box] = [(0, 0.0, 0.0)] * len(widths)
    for r, mine in enumerate(rows):
        letters = sum(widths[j] for j in mine)
        space = max(1.0, (full - letters) / (len(mine) - 1)) if len(mine) > 1 else 1.0
        scale = min(1.0, full / (letters + space * (len(mine) - 1)))
        at = 0.0
        for j in mine:
            boxes[j] = (r, at, at + widths[j] * scale)
            at += (widths[j] + space) * scale
    return [(r, x + _EDGE_SLACK, max(x + _EDGE_SLACK, y - _EDGE_SLACK)) for r, x, y in boxes]


def reading_order(boxes: list[Box]) -> list[int]:
    """The order pdftotext reads text blocks in (poppler's TextPage: a topological sort by depth
    first search over the blocks in top-to-bottom, left-to-right order, after Breuel's two rules:
    a block goes after a block above it that it overlaps, and after a block wholly left of it
    unless a third block lies between them, below the first and above the second, overlapping
    both). Here every line is a block: pdftotext's lines of a justified row cut at wide spaces."""
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][0], boxes[i][1]))

    def above(a: Box, b: Box) -> bool:  # rule 1: a before b
        return (a[1] <= b[1] <= a[2] or b[1] <= a[1] <= b[2]) and a[0] < b[0]

    def left_of(a: Box, b: Box) -> bool:  # rule 2, where nothing between stops it
        return a[2] <= b[1] and not any(above(b, c) and above(c, a) for c in boxes if c is not a and c is not b)

    seen = [False] * len(boxes)
    out: list[int] = []

    def visit(p: int) -> None:
        seen[p] = True
        b = boxes[order[p]]
        for q in range(len(order)):
            if not seen[q] and (above(boxes[order[q]], b) or left_of(boxes[order[q]], b)):
                visit(q)
        out.append(order[p])

    for p in range(len(order)):
        if not seen[p]:
            visit(p)
    return out


def _best_split(rows: Sequence[float], widths: Sequence[float], ends: list[bool],
                full: float) -> tuple[float, int, list[list[int]]] | None:
    """(how far the rows are from a full line, pieces read, the pieces that go on each row, in
    order) for the placing of the first pieces on the rows whose left halves are ``rows`` (each
    takes one piece or more), or on rows they open below them (a piece at the margin,
    `_MAX_ROWS` rows in all), every row then a full line, that pdftotext would have read in the
    order the lines came (`_read_in_order`): of those, the one that reads the most pieces, then
    the one with the rows nearest a full line; None where none. A row's pieces keep their
    order, but the rows' pieces may come interleaved: a piece further left is read first
    (`…ระดับปานกลาง` / `Development` | `(D4D)` | `โดย…ในด้าน` | `Digital` | `for` | `ซึ่งเป็น…`:
    `(D4D)` is the second row's). `ends[j]`: piece j ends its text block (the last piece read
    must: a right half is set off below, a heading's line is not). The rows a piece opens come
    back as lists that start with that piece. (``state``: how far the rows are short of
    `ROW_MIN` of a full line in all, how many left halves have no piece yet, placings looked at.)"""
    lines = [*rows, *widths]
    need = ROW_MIN * full
    made = [[r] for r in range(len(rows))]
    room = [float(w) for w in rows]
    state = {"short": sum(max(0.0, need - w) for w in room), "bare": len(rows), "looked": 0}
    rest = [sum(widths[j:]) + len(widths) - j for j in range(len(widths) + 1)]  # (room the pieces from j on take)
    found: list[tuple[float, int, list[list[int]]]] = []

    def put(r: int, width: float, sign: int) -> None:
        """Add (sign 1) or take back (-1) a piece of ``width`` on row r, keeping the sums."""
        state["short"] -= max(0.0, need - room[r])
        room[r] += sign * width
        state["short"] += max(0.0, need - room[r])

    def place(j: int) -> None:
        state["looked"] += 1
        if state["looked"] > _MOST_SPLITS or state["short"] > rest[j] + 1e-6:
            return  # (the pieces left cannot make every row full)
        if j and ends[j - 1] and not state["bare"] and state["short"] < 1e-6:
            found.append((sum(abs(w - full) for w in room), j, [list(m) for m in made]))
        if j == len(widths):
            return
        piece, width = len(rows) + j, widths[j] + 1
        for r in range(len(made)):
            if room[r] + width <= _ROW_MAX * full:
                bare = r < len(rows) and len(made[r]) == 1
                made[r].append(piece)
                put(r, width, 1)
                state["bare"] -= bare
                place(j + 1)
                state["bare"] += bare
                put(r, width, -1)
                made[r].pop()
        if len(made) < _MAX_ROWS and widths[j] <= _ROW_MAX * full:
            made.append([piece])
            room.append(0.0)
            state["short"] += need
            put(len(made) - 1, widths[j], 1)
            place(j + 1)
            put(len(made) - 1, widths[j], -1)
            state["short"] -= need
            room.pop()
            made.pop()

    place(0)
    for n, (off, m, split) in enumerate(sorted(found, key=lambda f: (-f[1], f[0]))[:_MOST_ORDERS]):
        if _read_in_order(lines[:len(rows) + m], split, full, noisy=n < _MOST_NOISY):
            return off, m, [[j - len(rows) for j in mine if j >= len(rows)] for mine in split]
    return None


def _read_in_order(widths: Sequence[float], rows: list[list[int]], full: float, *, noisy: bool) -> bool:
    """Whether pdftotext would have read the lines in the order they came had they stood on
    ``rows``: as their widths say, or (``noisy``) in enough of `_SAMPLES` draws of widths
    spread as a count of characters is about a printed width (a Thai consonant, a Latin capital
    and a digit differ: 15-17 % a piece on generated pages, their boxes measured), from a fixed
    seed, so that the same text is always read the same way."""
    wanted = list(range(len(widths)))
    if reading_order(_boxes(widths, rows, full)) == wanted:
        return True
    if not noisy:
        return False
    draw = random.Random(0)
    hits = sum(reading_order(_boxes([w * math.exp(draw.gauss(0.0, _WIDTH_SPREAD)) for w in widths], rows, full))
               == wanted for _ in range(_SAMPLES))
    return hits >= _HITS * _SAMPLES


def glue_pieces(line: str, pieces: list[str]) -> str:
    """Pieces of a printed line put beside the text before them: a note number glued to it, any
    other piece after a space."""
    for piece in pieces:
        line = line.rstrip() + ("" if LONE_NUMBER.match(piece) else " ") + piece
    return line


def left_halves_in_a_block(texts: list[str], kinds: list[str], opens_page: list[bool], i: int, k: int,
                           full: float) -> list[int]:
    """The lines that close a text block at line i, each short of a full line (the last well
    short of one), two or more, where a piece set off follows (line k): they may be rows' left
    halves, their right halves to come (pdftotext reads the rows as columns where the halves of
    all are set apart: `…ตกอยู่ในเขตเมือง` / `853,382` / `ออกเฉียงใต้5` then `จำนวนประชากร…ในปี`,
    `2014`, `อยู่ที่`, `ซึ่งทำให้…ภาคตะวัน` / `และยังเป็น…อันดับที่`, `12`, `ของ`). The first of them
    may run nearly to the margin, a short word beyond a wide space to come. None where line i
    does not close such a block."""
    if i < 1 or opens_page[i] or not is_blank(texts, kinds, k - 1) or not is_text(texts, kinds, k) \
            or line_width(texts[i]) >= ROW_MIN * full:
        return []
    rows = [i]
    j = i - 1
    while len(rows) < _MAX_ROWS and j >= 0 and is_text(texts, kinds, j) and not opens_page[j + 1] \
            and line_width(texts[j]) < _ROW_OPEN * full:
        rows.insert(0, j)
        j -= 1
    return rows if len(rows) > 1 else []


def join_split_rows(texts: list[str], kinds: list[str], rows: list[int], full: float) -> int | None:
    """pdftotext may read rows of a justified paragraph as columns split at one place or more
    (where a superscript note number stands, or where wide spaces of the rows line up): the
    rows' left halves, then their right halves, each in one piece or more (`…มินาโมโตะ โนะ`
    `12` | `ตระกูลมินาโมโตะเป็นผู้นำตระกูลคนแรก` | `โยชิกิโยะซึ่งแยกตัวออกมาจาก` / `และสมาชิกของ…ที่`).
    Lines ``rows`` hold the left halves (the first as `join_pieces` joined it; the last may be
    the next piece, too wide to go beside the one before). The pieces after them, up to a
    page's number, are placed on the rows, or on rows that a piece at the margin opens below
    them, where every row then makes a full line and pdftotext would have read them in the
    order they came (`_best_split`); the last piece read must end its text block (a right half
    is set off below; a heading's line is not), and no half opens inside a word (pdfminer.six's
    lines of marks). Where no placing makes them all full, the rows from the second on are
    tried (a paragraph's first line over its left halves). Each row goes on the line of its
    left half (or of the piece that opened it), the other pieces' lines emptied. Returns the
    last line read, or None where no placing makes the last two rows full (a paragraph's last
    line is short: its row is left as it is)."""
    for start in range(len(rows) - 1):
        part = rows[start:]
        if line_width(texts[part[0]]) >= _ROW_OPEN * full or NUMBERED_LINE.match(texts[part[0]]) \
                or any(starts_inside_word(texts[r]) for r in part):
            continue  # (a first row as wide as a full line has no right half to come; a numbered heading is no row)
        lines = _zone_lines(texts, kinds, part[-1] + 1, int(_PIECES_PER_ROW * _MAX_ROWS) + 1)
        lines = lines[:next((n for n, j in enumerate(lines) if starts_inside_word(texts[j])), len(lines))]
        found = _best_split([line_width(texts[r]) for r in part], [line_width(texts[j]) for j in lines],
                            [_ends_block(texts, kinds, j) for j in lines], full)
        if found is None:
            continue
        _, m, made = found
        heads = part + [lines[mine[0]] for mine in made[len(part):]]
        for at, mine in zip(heads, made, strict=True):
            rest = mine if at in part else mine[1:]
            texts[at] = glue_pieces(texts[at], [texts[lines[j]].strip() for j in rest]).strip()
        for j in range(part[0] + 1, lines[m - 1] + 1):
            if j not in heads and kinds[j] in ("", FILLER):
                kinds[j], texts[j] = FILLER, ""
        return lines[m - 1]
    return None


# How much of each line's end and of the rest's start the dictionary reads to place the marks
# that open the rest: a word or two either side of the join.
_JOIN_WINDOW = 20
# The line and the rest written before it make one printed line, at most this much of a full one.
_REST_FIT = 1.15


def _unknown(text: str, lex: Lexicon) -> int:
    """Letters the dictionary cannot read once the marks in `text` are placed."""
    return lex.unknown_chars(repair_glyphs(text, Counter(), lex=lex))


def rest_written_first(above: str, rest: str, line: str, below: str, full: float, lex: Lexicon) -> bool:
    """pdftotext may write the rest of a printed line before the line's start when the rest opens
    with marks that sit higher than the line's letters (`์ ู้หลบหนีหม่อมแม่…` written before
    `ของหม่อมเจ้าหญิงผู้สูงศักดิผ`, whose `ศักดิ์ผู้` lost them). Such a rest opens with marks
    like a mark cut off the line `above`, and goes onto `line` (the line right after it)
    instead where: the two are as wide as one printed line, and the rest too wide to have been
    the end of the line above; the line ends with a bare consonant, in a word that cannot be
    read as it stands; and the dictionary reads more letters at the joins that way (`above`
    alone, `line` + `rest`, and the rest's end with the start of `below` where it opens with
    marks, against `above` + `rest`, the rest's end alone, and `line` with that start)."""
    line = line.rstrip(" ")
    if line_width(above) + line_width(rest) <= _REST_FIT * full:
        return False  # the rest fits on the line above: it is that line's
    if not line or line[-1] not in CONSONANTS or line_width(line) + line_width(rest) > _REST_FIT * full \
            or not _unknown(line.split()[-1], lex):
        return False  # (a line that ends with a mark, or whose last word reads whole, lost none)
    a, b = above.rstrip(" ")[-_JOIN_WINDOW:], line[-_JOIN_WINDOW:]
    head, tail, marks = rest[:_JOIN_WINDOW], rest.rstrip(" ")[-_JOIN_WINDOW:], below[:_JOIN_WINDOW]
    kept = _unknown(a + head, lex) + _unknown(tail, lex) + _unknown(b + marks, lex)
    return _unknown(a, lex) + _unknown(b + head, lex) + _unknown(tail + marks, lex) < kept
