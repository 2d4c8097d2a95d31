"""Pieces of printed lines that pdftotext writes out of their order on the page, put back
(`reflow` calls these): two rows of a justified paragraph that it read as two columns split at
one place, and the rest of a line that it wrote before the line's start because the rest opens
with marks set higher than the line's letters."""

from __future__ import annotations

import itertools
from collections import Counter

from rag.repair.columns import NUMBERED_LINE
from rag.repair.glyphs import repair_glyphs
from rag.repair.layout import FILLER, is_endnote_heading
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
# At most this many rows read as columns at once, and this many right halves (pieces) a row.
_MAX_ROWS = 4
_PIECES_PER_ROW = 2.5


def _zone_lines(texts: list[str], kinds: list[str], start: int, most: int) -> list[int]:
    """The text lines from `start` on, blank and FILLER lines passed over, up to a page break or
    an endnote heading (``most`` at most)."""
    found: list[int] = []
    j = start
    while j < len(texts) and len(found) < most:
        if kinds[j] and kinds[j] != FILLER:
            break
        if is_text(texts, kinds, j):
            if is_endnote_heading(texts[j]):
                break
            found.append(j)
        j += 1
    return found


def _ends_block(texts: list[str], kinds: list[str], i: int) -> bool:
    """Line i is the last of its text block: a blank line, a page break or the end follows."""
    return not is_text(texts, kinds, next_line(texts, kinds, i))


def _best_split(rows: list[int], widths: list[int], ends: list[bool], full: float) -> tuple[float, int, list[int]] | None:
    """(how far the rows are from a full line, pieces read, pieces that go on each row) for the
    split of the pieces, in their order, over the rows in theirs, each row one piece or more,
    that makes every row nearest a full line, or None where none makes them all full.
    `ends[j]`: piece j ends its text block (the last piece read must: a right half is set off
    below, a heading's line is not)."""
    best: tuple[float, int, list[int]] | None = None
    for m in range(len(rows), len(widths) + 1):
        if not ends[m - 1]:
            continue
        for cuts in itertools.combinations(range(1, m), len(rows) - 1):
            bounds = (0, *cuts, m)
            counts = [b - a for a, b in itertools.pairwise(bounds)]
            made = [row + sum(widths[a:b]) + (b - a) for row, (a, b) in zip(rows, itertools.pairwise(bounds), strict=True)]
            if all(ROW_MIN * full <= r <= _ROW_MAX * full for r in made):
                off = sum(abs(r - full) for r in made)
                if best is None or off < best[0]:
                    best = (off, m, counts)
    return best


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
    the next piece, too wide to go beside the one before). The pieces after them are split
    between the rows, in order, where every row then makes a full line (the split with the rows
    nearest a full line wins); the last piece read must end its text block (a right half is
    set off below; a heading's line is not), and no half opens inside a word (pdfminer.six's
    lines of marks). Where no split makes them all full, the rows from the second on are tried
    (a paragraph's first line over its left halves). The rows go on their lines, the other
    pieces' lines emptied. Returns the last line read, or None where no split makes the last
    two rows full (a paragraph's last line is short: its row is left as it is)."""
    for start in range(len(rows) - 1):
        part = rows[start:]
        if line_width(texts[part[0]]) >= _ROW_OPEN * full or NUMBERED_LINE.match(texts[part[0]]) \
                or any(starts_inside_word(texts[r]) for r in part):
            continue  # (a first row as wide as a full line has no right half to come; a numbered heading is no row)
        lines = _zone_lines(texts, kinds, part[-1] + 1, int(_PIECES_PER_ROW * len(part)) + 1)
        lines = lines[:next((n for n, j in enumerate(lines) if starts_inside_word(texts[j])), len(lines))]
        found = _best_split([line_width(texts[r]) for r in part], [line_width(texts[j]) for j in lines],
                            [_ends_block(texts, kinds, j) for j in lines], full)
        if found is None:
            continue
        _, m, counts = found
        pieces = [texts[j].strip() for j in lines[:m]]
        at = 0
        for r, n in zip(part, counts, strict=True):
            texts[r] = glue_pieces(texts[r], pieces[at:at + n]).strip()
            at += n
        for j in range(part[0] + 1, lines[m - 1] + 1):
            if j not in part and kinds[j] in ("", FILLER):
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
