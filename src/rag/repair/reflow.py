"""Lines as the PDF showed them, before the layout is read: undo what each text extractor does
to Thai lines that the glyph rules cannot see, because it crosses a line break.

Extractors cut a visual line where a Thai mark sits at its own height: pdfminer.six puts every
tone over an upper vowel on a line of its own (`วันท ี` + `่ 4 พฤษภาคม`), pdftotext and pypdfium2
move a mark that ends a line onto the next one (`ขึน` + `้ พร้อม`, `ซึ่งร` + `ู้สึก`). No Thai
line can start with a mark or a following vowel, so such a line goes back onto the line it
was cut from. pdfminer.six also sets every line off by a blank line, which then says nothing
about paragraphs; pdftotext writes a page's form feed before its first line, not on a line of
its own.

Every input line keeps its place (the repair reports one line per input line): a line whose
text moved up, and a blank line that marks nothing, become FILLER lines, which the later
stages pass over; a page break written before a line takes the blank line above it.
"""

from __future__ import annotations

import re
from collections import Counter

from rag.repair.box_pieces import join_spaced_pieces, order_box_pieces
from rag.repair.columns import NUMBERED_LINE, boxes_every_line, deinterleave_pages
from rag.repair.cut_lines import (
    drop_lone_copies,
    join_copy_cuts,
    join_mark_cuts,
    join_marker_cuts,
    join_marker_rests,
    join_word_cuts,
)
from rag.repair.foot_numbers import place_note_numbers
from rag.repair.layout import FILLER, PAGEBREAK, glued_note_start, is_endnote_heading
from rag.repair.left_marks import place_left_marks, take_left_marks
from rag.repair.line_order import (
    ROW_MIN,
    glue_pieces,
    join_split_rows,
    left_halves_in_a_block,
    rest_written_first,
)
from rag.repair.lines import (
    CONTINUES,
    LONE_NUMBER,
    full_width,
    has_text,
    is_blank,
    is_text,
    line_width,
    marks_only,
    next_line,
    next_text,
    prev_line,
    starts_inside_word,
)
from rag.repair.note_lines import closes_reference
from rag.repair.raised_numbers import place_raised_numbers
from rag.thai.chars import LETTERS
from rag.thai.lexicon import lexicon

# What cannot open a Thai line: marks ride on the letter before them, and SARA A, AA, AM and
# LAKKHANGYAO follow one.
_THAI_LETTERS = frozenset(LETTERS)
# Share of text lines followed by a blank line above which blank lines are the extractor's
# habit, not paragraph breaks (pdfminer.six: every line is a text box of its own). Text with
# paragraphs set off by blank lines stays far below it: a paragraph has several lines.
_BLANK_HABIT = 0.7
_MIN_LINES_FOR_HABIT = 12
# Characters in a printed line of text, at most: a page holds about 60-110 (pdfminer.six's cut
# lines are shorter still); a longer median line is a paragraph.
_MAX_LINE = 150
# A page's number as it stands beside a running head: `122`, `หน้า 122`, `Page 5 of 9`
_PAGE_PIECE = re.compile(r"^[^\d\s]{0,6}\s?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/|จาก)\s*\d{1,4})?\s*$")
# A piece of a justified line fits beside the text before it: together at most this share of a
# full line (justification stretched the spaces, the letters take no more room); and the text
# before it must have left room, ending short of this share.
_PIECE_FIT = 1.1
_PIECE_ROOM = 0.95


# A form feed that opens a line right under a line of text (pdftotext -layout writes a page's
# feed after its last line, `307` + `\fปั ญญา…`, with no blank line before it)
_FEED_UNDER_TEXT = re.compile(r"(?<=[^\n])\n(?=[ \t]*\f[ \t]*[^\s])")


def separate_page_breaks(text: str) -> str:
    """A blank line before each form feed that opens a line of text right under a line of text
    (a feed on a line of its own is one already: pypdf's, pypdfium2's), so that where a page
    breaks is a line of its own, as the repair reads it (a page break written before a line
    takes the blank line above it). Without it a `-layout` text's pages ran together and no
    page's notes were found. Not in pdfminer.six's text, which writes every text box apart
    (`boxes_every_line`) and whose page ends the repair reads as they come (a page number,
    then the feed). Run on a whole document's text before the repair, whose lines stay one per
    line of what it is given."""
    if boxes_every_line(text.split("\n")):
        return text
    return _FEED_UNDER_TEXT.sub("\n\n", text)


def printed_lines(texts: list[str], kinds: list[str]) -> bool:
    """The lines are a page's printed lines, not whole paragraphs (text already repaired, whose
    paragraphs blank lines part)."""
    widths = sorted(len(t.strip()) for t, k in zip(texts, kinds, strict=True) if t.strip() and not k)
    return bool(widths) and widths[len(widths) // 2] <= _MAX_LINE


def blank_lines_are_habit(texts: list[str], kinds: list[str]) -> bool:
    """Nearly every printed line is followed by a blank line: blank lines mark no paragraphs."""
    lines = [i for i, t in enumerate(texts) if t.strip() and not kinds[i]]
    if len(lines) < _MIN_LINES_FOR_HABIT or not printed_lines(texts, kinds):
        return False
    followed = sum(1 for i in lines if i + 1 < len(texts) and not kinds[i + 1] and not texts[i + 1].strip())
    return followed > _BLANK_HABIT * len(lines)


def _marks_below(texts: list[str], kinds: list[str], opens_page: list[bool], i: int) -> str:
    """The line right after line i when it opens with marks cut off line i's end, else ""."""
    j = i + 1
    below = j < len(texts) and not kinds[j] and not opens_page[j] and starts_inside_word(texts[j])
    return texts[j] if below else ""


def reflow(texts: list[str], kinds: list[str], opens_page: list[bool]) -> int:
    """Read the lines in place (see the module doc). `texts`: each line with its characters
    cleaned; `kinds`: "" for a line still to classify, PAGEBREAK for a form feed line;
    `opens_page`: the line began with a form feed. Returns how many cut lines were put back."""
    blank = [not k and not t.strip() for t, k in zip(texts, kinds, strict=True)]
    boxed = boxes_every_line(texts)
    if blank_lines_are_habit(texts, kinds):
        for i, t in enumerate(texts):
            if not kinds[i] and not t.strip():
                kinds[i] = FILLER
    full, lex = full_width(texts, kinds), lexicon()
    joined = 0
    if boxed:
        order_box_pieces(texts, kinds, blank, opens_page, lex)
    else:
        place_raised_numbers(texts, kinds, opens_page)
    # (marks pdfminer.six placed in no box, after a page's last line)
    left = take_left_marks(texts, kinds, opens_page) if boxed else []
    lone_marks: list[int] = []  # lines that a mark on the line right below, alone, went back onto
    for i, t in enumerate(texts):
        if kinds[i] or opens_page[i]:
            continue
        # (pdftotext -layout sets a line's rest where it stood on the page: spaces before its mark)
        t = t if starts_inside_word(t) else t.lstrip(" ")
        if not starts_inside_word(t):
            continue
        k = i - 1
        while k >= 0 and kinds[k] == FILLER and not opens_page[k + 1]:
            k -= 1
        if k < 0 or kinds[k] or opens_page[k + 1] or not texts[k].strip():
            continue  # nothing above it on the page, or a blank line between (a paragraph break)
        if texts[k].rstrip(" ")[-1:] not in LETTERS:
            continue  # a Thai mark was cut off a Thai letter, never off a digit or a Latin word
        lone_mark = not t.strip(" " + "".join(CONTINUES))
        j = i + 1  # pdftotext may write a line's rest before it (a lone mark is no rest)
        if not boxed and not lone_mark and is_text(texts, kinds, j) and not opens_page[j] \
                and not starts_inside_word(texts[j]) \
                and rest_written_first(texts[k], t, texts[j], _marks_below(texts, kinds, opens_page, j), full, lex):
            texts[j] = texts[j].rstrip(" ") + t
            kinds[i], texts[i] = FILLER, ""
            joined += 1
            continue
        texts[k] = texts[k].rstrip(" ") + t
        for j in range(k + 1, i + 1):
            kinds[j], texts[j] = FILLER, ""
        joined += 1
        if lone_mark and i == k + 1:
            lone_marks.append(k)
    joined += join_lone_mark_rests(texts, kinds, opens_page, lone_marks)
    joined += place_left_marks(texts, kinds, left, lex)
    for i, opens in enumerate(opens_page):
        # the line above a page's first line is where the break goes: a blank one, or a mark
        # pdfminer.six left alone at the page's end with no letter to go back onto
        if opens and i and (kinds[i - 1] == FILLER or (not kinds[i - 1] and not has_text(texts[i - 1]))):
            kinds[i - 1], texts[i - 1] = PAGEBREAK, ""
            # more marks left alone above it, blank lines between, go with it (`ี` + `่` under
            # a page's last note)
            k = i - 2
            while k >= 0 and not kinds[k] and not opens_page[k + 1] and not has_text(texts[k]):
                if marks_only(texts[k]):
                    kinds[k], texts[k] = FILLER, ""
                k -= 1
    if printed_lines(texts, kinds):
        joined += drop_lone_copies(texts, kinds)
        joined += join_copy_cuts(texts, kinds)
        joined += join_mark_cuts(texts, kinds, opens_page, above=not boxed)
        joined += join_word_cuts(texts, kinds, opens_page, lex, above=not boxed)
        joined += join_marker_cuts(texts, kinds)
        joined += join_marker_rests(texts, kinds)
    if printed_lines(texts, kinds) and not trailing_spaces_kept(texts, kinds):
        # (pdftotext, which cuts justified lines into pieces, keeps no line-end space; text that
        # keeps them comes from an extractor that writes whole lines)
        deinterleave_pages(texts, kinds, blank, opens_page, boxed=boxed)
        if not boxed:
            place_note_numbers(texts, kinds, opens_page)
        joined += join_pieces(texts, kinds, opens_page, rows=not boxed)
        if boxed:
            joined += join_spaced_pieces(texts, kinds, opens_page)
        mark_word_ends(texts, kinds)
    return joined


# A line cut on both sides of a mark, with what follows, is no wider than one printed line.
_LONE_MARK_FIT = 1.15


def join_lone_mark_rests(texts: list[str], kinds: list[str], opens_page: list[bool], lines: list[int]) -> int:
    """pypdfium2 cuts a printed line on both sides of a below vowel or tone it sets at its own
    height (`ศ` + `ู` + `นย์การบินอวกาศ`): the mark went back onto the line above, and the line
    right after it, with no blank line between, is the rest of the same printed line where the
    three together fit on one (a mark that ended a full line, then the next full line, do not).
    A rest that opens with a number (a numbered heading or list item) or an endnote heading
    stays. Lines are taken from the last, so a printed line cut at two marks comes back whole.
    Returns how many rests were put back."""
    full = full_width(texts, kinds)
    joined = 0
    for i in reversed(lines):
        j = i + 2  # the mark's own line, now FILLER, lies between
        if kinds[i] or j >= len(texts) or kinds[j] or opens_page[j] or not texts[j].strip():
            continue
        rest = texts[j]
        if texts[i][-1:].isspace() or rest[:1].isspace() or NUMBERED_LINE.match(rest) or is_endnote_heading(rest):
            continue
        if line_width(texts[i]) + line_width(rest) > _LONE_MARK_FIT * full:
            continue
        texts[i] += rest
        kinds[j], texts[j] = FILLER, ""
        joined += 1
    return joined


def join_pieces(texts: list[str], kinds: list[str], opens_page: list[bool], *, rows: bool = True) -> int:
    """pdftotext cuts a justified line at its wide spaces into pieces, each set off by blank
    lines (`สมเด็จพระนางเจ้าฯ` + `` + `พระบรมราชินีนาถในพระบาท` + `` + the next line), and puts a
    superscript note number on a line of its own the same way (`` + `1` + ``). A piece set off
    above and below, that fits with the text before it on one line, goes back onto it; a
    heading is not set off below (its paragraph follows at once) and does not fit beside a
    paragraph's last line, and a line that ends with a space ended there. Endnotes, where a
    number alone on a line opens a note, are left as they are; two note numbers in a row are
    two rows' markers. A piece too wide to go beside the line may open the second of two rows
    read as columns, and a short line under a short line, the two closing a block, may be two
    rows' left halves (`join_split_rows`; with `rows`: pdftotext's text, not pdfminer.six's
    boxes), but not after a running head (a line that opens more than one page: its pieces
    are the page's furniture, `Page 24`). Returns how many pieces were put back."""
    full = full_width(texts, kinds)
    heads = Counter(texts[i].strip() for i, opens in enumerate(opens_page) if opens)
    joined = 0
    i = 0
    while i < len(texts):
        if not is_text(texts, kinds, i) or is_endnote_heading(texts[i]):
            if is_text(texts, kinds, i) and is_endnote_heading(texts[i]):
                return joined
            i += 1
            continue
        width = line_width(texts[i])
        # past a mark's line that went back onto line i (pdftotext's: its lines open at a letter)
        k = next_line(texts, kinds, i) + 1 if rows and not starts_inside_word(texts[i]) else i + 2
        after_number = False
        running_head = opens_page[i] and heads[texts[i].strip()] > 1
        split = rows and not running_head
        halves = left_halves_in_a_block(texts, kinds, opens_page, i, k, full) if split else []
        if halves:
            end = join_split_rows(texts, kinds, halves, full)
            if end is not None:
                joined += 1
                i = end + 1
                continue
        while is_blank(texts, kinds, k - 1) and is_text(texts, kinds, k) and is_blank(texts, kinds, k + 1) \
                and is_text(texts, kinds, k + 2) and not is_endnote_heading(texts[k]):
            if texts[i][-1:].isspace() or texts[k][-1:].isspace():
                break  # a line that ends with a space ended there (CONVENTIONS rule 8)
            piece = texts[k].strip()
            if running_head and not _PAGE_PIECE.match(piece):
                break  # a running head takes its page's number (`หน้า 122`), not the body's first words
            lone_number = LONE_NUMBER.match(piece) is not None
            if lone_number and after_number:
                break  # two numbers in a row: the markers of two rows, the second the next row's
            if not lone_number and (width >= _PIECE_ROOM * full or width + 1 + line_width(piece) > _PIECE_FIT * full):
                end = join_split_rows(texts, kinds, [i, k], full) if split and width < ROW_MIN * full else None
                if end is not None:
                    joined += 1
                    k = end + 1
                break
            if not lone_number and glued_note_start(piece) and _ends_a_reference(texts, kinds, i):
                break  # the next note opens after a reference that ended (`32(3), 202-226.` + `2 กรม…`)
            after_number = lone_number
            texts[i] = glue_pieces(texts[i], [piece])
            width = line_width(texts[i])
            for j in (k - 1, k):
                kinds[j], texts[j] = FILLER, ""
            joined += 1
            k += 2
        i = k - 1 if k > i + 2 else i + 1
    return joined


def _ends_a_reference(texts: list[str], kinds: list[str], i: int) -> bool:
    """Line i ends a reference: with its page or year and a stop (`32(3), 202-226.`), inside a
    URL, or as the rest of one (a single token under a line that ends inside a URL)."""
    if closes_reference(texts[i]) or _URL_END.search(texts[i]):
        return True
    above = prev_line(kinds, i)
    return len(texts[i].split()) == 1 and above >= 0 and not kinds[above] and bool(_URL_END.search(texts[above]))


_LATIN_END = re.compile(r"[A-Za-z,.;:)]$")
_LATIN_START = re.compile(r"[A-Za-z(]")
_MIN_LATIN_BREAKS = 3
_MOST = 0.95
_TRAILING_SHARE = 0.3


def trailing_spaces_kept(texts: list[str], kinds: list[str]) -> bool:
    """Does a line that ends without a space carry its word on into the next (CONVENTIONS rule
    8)? Only where the extractor kept the space that ends a line: every line broken between two
    Latin words then ends with one. pdftotext drops them all, pypdf and pypdfium2 some."""
    breaks = kept = lines = trailing = 0
    for i, t in enumerate(texts):
        if kinds[i] or not t.strip():
            continue
        lines += 1
        trailing += t[-1].isspace()
        nxt = next_text(texts, kinds, i)
        if nxt and _LATIN_END.search(t.rstrip()) and _LATIN_START.match(nxt.lstrip()):
            breaks += 1
            kept += t[-1].isspace()
    if breaks >= _MIN_LATIN_BREAKS:
        return kept >= _MOST * breaks
    return lines > 0 and trailing >= _TRAILING_SHARE * lines


# A line that ends inside a URL, and a next line that is the rest of it: one token with no
# scheme of its own, holding a URL's punctuation (a word alone after a URL stays a word)
_URL_END = re.compile(r"(?:https?://|www\.)\S*$")
_URL_RUNS_ON = re.compile(r"^(?![a-z]+://)(?=\S*[-/._=?&%#])[A-Za-z0-9\-/._][A-Za-z0-9\-/._=?&%#~+]*$")


def mark_word_ends(texts: list[str], kinds: list[str]) -> None:
    """Where line ends lost their spaces, give one to every line that cannot end inside a word:
    one whose last character is not a Thai letter, or whose next is neither a Thai letter nor a
    digit (`Outside` + `Ebbing`, `2021,` + `https://`; a digit may open the page's notes, the
    paragraph going on after them). Not a line that ends with a hyphen, a dash or a slash
    (`Asia-` + `Pacific`, `45–` + `67`, a URL cut), nor one that ends inside a URL whose rest
    the next line is. A page's last line, before its page break, gets one too where it ends
    neither in a Thai letter nor inside a URL. Thai lines are wrapped between words, written
    with no space, so they stay joined."""
    rests: set[int] = set()  # lines that are the rest of a URL the line before them cut
    for i, t in enumerate(texts):
        if kinds[i] or not t.strip() or t[-1].isspace():
            continue
        j = i + 1
        while j < len(texts) and (kinds[j] == FILLER or (not kinds[j] and not texts[j].strip())):
            j += 1
        nxt = texts[j] if j < len(texts) and not kinds[j] else None
        in_url = bool(_URL_END.search(t)) or (i in rests and _URL_RUNS_ON.match(t.strip()) is not None)
        if nxt is not None and in_url and _URL_RUNS_ON.match(nxt.strip()):
            rests.add(j)  # a URL cut where the line ran out (`…gov/presi` + `dential-actions/2025/01/`)
            continue
        if t[-1] in "-–/":
            continue  # (a hyphen, dash or slash: no word ended)
        if nxt is None:
            # the last line, or a page's: past a page break, a line that ends in Latin letters or
            # signs ended its word (`Communication &` + the next page's `Society, 225-239.`)
            if j < len(texts) and kinds[j] == PAGEBREAK and not in_url and t[-1] not in _THAI_LETTERS:
                texts[i] = t + " "
            continue
        if t[-1] not in _THAI_LETTERS or not (nxt.lstrip()[0] in _THAI_LETTERS or nxt.lstrip()[0].isdigit()):
            texts[i] = t + " "
