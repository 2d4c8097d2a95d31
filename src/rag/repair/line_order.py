"""Pieces of printed lines that pdftotext writes out of their order on the page, put back
(`reflow` calls these): two rows of a justified paragraph that it read as two columns split at
one place, and the rest of a line that it wrote before the line's start because the rest opens
with marks set higher than the line's letters."""

from __future__ import annotations

from collections import Counter

from rag.repair.columns import NUMBERED_LINE
from rag.repair.glyphs import repair_glyphs
from rag.repair.layout import FILLER, is_endnote_heading
from rag.repair.lines import LONE_NUMBER, is_blank, is_text, line_width, next_line, starts_inside_word
from rag.thai.chars import CONSONANTS
from rag.thai.lexicon import Lexicon

# A printed line of a justified paragraph runs to the margin: its two halves, put back together,
# make about one full line (the width counts characters, and Thai letters differ in width).
_ROW_MIN = 0.85
_ROW_MAX = 1.12
# At most this many right halves (pieces) are read after the left half of the second row.
_MAX_RIGHT_PIECES = 5


def _zone_lines(texts: list[str], kinds: list[str], start: int) -> list[int]:
    """The text lines from `start` on, blank and FILLER lines passed over, up to a page break or
    an endnote heading (`_MAX_RIGHT_PIECES` + 1 at most)."""
    found: list[int] = []
    j = start
    while j < len(texts) and len(found) <= _MAX_RIGHT_PIECES:
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


def _best_split(row1: int, row2: int, widths: list[int], ends: list[bool], full: float) -> tuple[float, int, int] | None:
    """(how far the two rows are from a full line, pieces read, pieces that go on row 1) for the
    split of the pieces that makes both rows nearest a full line, or None where none makes two.
    `ends[j]`: piece j ends its text block (the last piece read must: a right half is set off
    below, a heading's line is not)."""
    best: tuple[float, int, int] | None = None
    for m in range(2, len(widths) + 1):
        if not ends[m - 1]:
            continue
        for s in range(1, m):
            rows = (row1 + sum(widths[:s]) + s, row2 + sum(widths[s:m]) + m - s)
            if all(_ROW_MIN * full <= r <= _ROW_MAX * full for r in rows):
                off = sum(abs(r - full) for r in rows)
                if best is None or off < best[0]:
                    best = (off, m, s)
    return best


def glue_pieces(line: str, pieces: list[str]) -> str:
    """Pieces of a printed line put beside the text before them: a note number glued to it, any
    other piece after a space."""
    for piece in pieces:
        line = line.rstrip() + ("" if LONE_NUMBER.match(piece) else " ") + piece
    return line


def left_halves_in_a_block(texts: list[str], kinds: list[str], opens_page: list[bool], i: int, k: int,
                           full: float) -> bool:
    """Line i and the line right above it, both short of a full line, close a text block, and a
    piece set off follows (line k): they may be two rows' left halves, their right halves to
    come (pdftotext reads the rows as two columns where the halves of both are set apart)."""
    if i < 1 or opens_page[i] or not is_text(texts, kinds, i - 1) or not is_blank(texts, kinds, k - 1) \
            or not is_text(texts, kinds, k):
        return False
    return all(line_width(texts[j]) < _ROW_MIN * full for j in (i - 1, i))


def join_split_rows(texts: list[str], kinds: list[str], first: int, second: int, full: float) -> int | None:
    """pdftotext may read two rows of a justified paragraph as two columns split at one place
    (where a superscript note number stands, or where wide spaces of both rows line up): the
    first row's left half, the next row's left half, then the right halves of both rows, each
    in one piece or more (`…มินาโมโตะ โนะ` `12` | `ตระกูลมินาโมโตะเป็นผู้นำตระกูลคนแรก` |
    `โยชิกิโยะซึ่งแยกตัวออกมาจาก` / `และสมาชิกของ…ที่`). Line `first` holds the first row's left
    half (as `join_pieces` joined it, still short of a full line); line `second` the next
    piece, too wide to go beside it. The pieces after it are split between the two rows where
    both then make a full line (the split with the rows nearest a full line wins); the last
    piece read must end its text block (a right half is set off below; a heading's line is
    not), and no half opens inside a word (pdfminer.six's lines of marks). The rows go on
    lines `first` and `second`, the other pieces' lines emptied. Returns the last line read,
    or None where no split makes two full rows (a paragraph's last line is short: its row is
    left as it is)."""
    left = line_width(texts[first])
    if left >= _ROW_MIN * full or NUMBERED_LINE.match(texts[first]) \
            or starts_inside_word(texts[first]) or starts_inside_word(texts[second]):
        return None  # (a first row as wide as a full line has no right half to come; a numbered heading is no row)
    lines = _zone_lines(texts, kinds, second + 1)
    lines = lines[:next((n for n, j in enumerate(lines) if starts_inside_word(texts[j])), len(lines))]
    found = _best_split(left, line_width(texts[second]), [line_width(texts[j]) for j in lines],
                        [_ends_block(texts, kinds, j) for j in lines], full)
    if found is None:
        return None
    _, m, s = found
    pieces = [texts[j].strip() for j in lines[:m]]
    texts[first] = glue_pieces(texts[first], pieces[:s]).strip()
    texts[second] = glue_pieces(texts[second], pieces[s:]).strip()
    for j in range(first + 1, lines[m - 1] + 1):
        if j != second and kinds[j] in ("", FILLER):
            kinds[j], texts[j] = FILLER, ""
    return lines[m - 1]


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
