"""Footnote blocks that no rule announces, in text from any extractor.

Most extractors draw no footnote rule: a page's notes are numbered lines at its foot, set in
smaller type (so a wrapped note line holds more characters than a full body line), their
numbers glued to the text or alone on a line above it. In a two-column page (LaTeX sets each
column's notes at the column's foot) the first column's notes stand in the middle of the page's
text, the second column's body resuming after them. This module finds both; ``layout`` has
already marked rules, endnotes and running heads, and marks page numbers after it.
"""

from __future__ import annotations

import re
import unicodedata

from rag.repair.layout import (
    BODY,
    FILLER,
    LONE_NUMBER,
    NOTE,
    PAGE_NUMBER,
    PAGEBREAK,
    SEPARATOR,
    RawLine,
    glued_note_start,
    number_form,
    thai_share,
)
from rag.repair.lines import COLUMN_MEASURE

_URL_START = re.compile(r"^\s*(?:https?://|www\.)")
# How a reference closes a note: a page, a page range or a year and a full stop (`หน้า 79–279.`,
# `(2016).`); Thai running text ends its sentences with a space, not a full stop.
_REFERENCE_END = re.compile(r"[\d)] ?\.\s*$")
# How a note's last line ends: a full stop, a bracket, or a URL's last piece (`church.2013`; a
# URL cut after a slash, `presidential-actions/2025/01/`, may go on)
_NOTE_ENDED = re.compile(r"[.)]\s*$|\S[./]\S*[^\s/\-–]\s*$")
_URL = re.compile(r"https?://|www\.|doi\.org")
# What a reference's Thai line holds and running Thai text hardly does: a colon or full stop
# before a space, a year in brackets, a page range, quotation marks around a title
_REFERENCE_LOOK = re.compile(r"[.:]\s|\(\d{4}|\d+[–-]\d+|[“”]")
# a URL's piece alone on a line (`church.2013`, `th.wikipedia.org/wiki/อิสลามนิยม`,
# `โนโลย-และกฎเกณฑ-2547`): one token with a dot, slash or hyphen and a Latin letter or digit
_URL_PIECE = re.compile(r"^\s*(?=\S*[/.\-])(?=\S*[A-Za-z0-9])\S+\s*$")
_YEAR_END = re.compile(r"\(\d{4}\)\s*$")  # `กระทรวงการต่างประเทศ (2561)`
# A wrapped note line is set in smaller type than the body, so it holds more characters than a
# full body line; this much more, at least, as a share of the body's full line.
_NOTE_WIDER = 1.05
_MAX_NOTE_GAP = 3  # how far the first note's number may skip notes the layout did not find
# Lines a note takes at most, on average, in a block told from the body by its markers alone
_SHORT_NOTE_LINES = 8
# A line this short (of the body's full line) ends its note where it ends with a stop, or where
# the next note opens the line after it (``_next_note_within``)
_ENDED_SHORT = 0.8
_PROSE_SPACES = 2  # spaces a line of Thai prose holds at most, where a reference's words are spaced apart
_RESUMED_LINES = 2  # lines of body text after a column's notes that show the body goes on

Block = list[tuple[int, int, int]]  # each note's first line, number and text offset


def _display_width(text: str) -> int:
    """Characters that take room on the line (Thai marks stack on their letter)."""
    return sum(1 for ch in text.strip() if unicodedata.category(ch) != "Mn")


def _body_full_width(raws: list[RawLine]) -> float:
    """Width of a full line of running text: the upper quartile of the body lines' widths."""
    widths = sorted(_display_width(r.text) for r in raws if r.kind == BODY and r.text.strip())
    if not widths:
        return 0.0
    return float(widths[min(len(widths) - 1, (3 * len(widths)) // 4)])


def _cited_above(texts: list[str], n: int) -> bool:
    """Number n stands in the text above as a marker would: glued to the end of a word or a
    bracket, or on a line of its own (a superscript that the extractor set apart)."""
    pattern = re.compile(rf"(?<![\d,.]){n}(?![\d,.])")
    for t in texts:
        for m in pattern.finditer(t):
            before = t[:m.start()]
            if not before.strip() and not t[m.end():].strip():
                return True  # a lone number line
            if before and not before[-1].isspace():
                return True
    return False


def page_foot_notes(all_raws: list[RawLine]) -> None:
    """Footnote blocks with no separator line: on each page without a rule, the numbered
    lines at a column's foot (a block in the page's middle, the body resuming after it) and at
    the page's foot (through to its end), numbered on from the last note.

    A body line may open with a number too, so a block must show it is one: two notes or more
    in a row, or a note whose wrapped lines are wider than the body's full line (notes are set
    in smaller type), or a number cited above on the page as a marker is. A note that the
    producer split across columns ends in the next column, above its notes or at the page's
    foot, with no number of its own (one split across pages, above the next page's notes):
    those lines are its tail (``_split_note_tail``)."""
    raws = [r for r in all_raws if r.kind != FILLER]
    bounds = [k for k, r in enumerate(raws) if r.kind == PAGEBREAK]
    if not bounds:
        return
    full = _body_full_width(raws)
    starts = [0] + [b + 1 for b in bounds]
    ends = bounds + [len(raws)]
    last_note = 0
    for page_no, (s, e) in enumerate(zip(starts, ends, strict=True)):
        page = range(s, e)
        if any(raws[k].kind in (SEPARATOR, NOTE) for k in page):
            last_note = max([raws[k].note or 0 for k in page] + [last_note])
            continue
        body = [k for k in page if raws[k].kind == BODY]
        # a page number closes the page below its notes, unless the last note ran onto it (`220–` + `307`)
        if len(body) > 1 and PAGE_NUMBER.match(raws[body[-1]].text) and not _runs_on_range(raws[body[-2]].text):
            body.pop()
        blocks = _column_foot_blocks(raws, body, last_note, full) if full <= COLUMN_MEASURE else []
        rest = body[body.index(blocks[-1][1]) + 1:] if blocks else body
        above = [raws[k].text for k in body[:len(body) - len(rest)]
                 if not any(notes[0][0] <= k <= last for notes, last, _ in blocks)]
        foot = _page_foot_block(raws, rest, blocks[-1][0][-1][1] if blocks else last_note, full, above)
        if foot is not None:
            blocks.append((foot, rest[-1], None))
        since = starts[max(0, page_no - 1)]
        loose = None  # the last block's last line if it was taken only for following a wide one
        for notes, last, block_loose in blocks:
            for k in body:
                if notes[0][0] <= k <= last:
                    raws[k].kind = NOTE
            if notes[0][1] == last_note + 1:
                _mark_split_note_tail(raws, body, body.index(notes[0][0]), since, full, loose)
            for k, num, off in notes:
                raws[k].note, raws[k].body_start = num, off
            last_note, loose = notes[-1][1], block_loose
        if body and foot is None:
            _mark_split_note_tail(raws, body, len(body), since, full, loose)


def _mark_split_note_tail(raws: list[RawLine], body: list[int], stop: int, since: int, full: float,
                          loose: int | None) -> None:
    """Mark the tail of a note split across columns or pages (``_split_note_tail``) as notes' lines.
    A note that goes on in the next column filled its column to the foot, so the line read
    under its first part (``loose``, taken only for following a wide line) is that next
    column's first line, body again, unless it reads as a reference does (`“รายงาน สถานการณ์`)."""
    if loose is not None and _REFERENCE_LOOK.search(raws[loose].text):
        loose = None
    tail = _split_note_tail(raws, body, stop, since, full, loose)
    for k in tail:
        raws[k].kind = NOTE
    if tail and loose is not None and loose not in tail:
        raws[loose].kind = BODY


def _split_note_tail(raws: list[RawLine], body: list[int], stop: int, since: int, full: float,
                     loose: int | None) -> list[int]:
    """The lines right above ``body[stop]`` (a block's first note, or the page's end) that end
    the last note read, which the producer split across columns (LaTeX, LibreOffice): that note,
    on this page or the one before (from line ``since``), stopped unfinished (`เกาหลีใต้:`,
    `2565,`, `A Review of the`, a URL cut after a slash), and these lines read as a note's:
    holding a URL or a piece of one, closing a reference (`หน้า 16–297.`; right above the next
    note also a year in brackets, `(2561)`), wider than the body's and holding what references
    hold (`: `, `. `, a page range, quotation marks), or, in text set in columns, in Latin
    script (a page-wide body names things in Latin letters on lines as full as a note's); one
    of them closing a reference or holding a URL, none opening a note. A note split across
    pages ends so too, above the next page's notes. Left as notes' lines, they run on from the
    note read last. The note's last line is looked for above ``loose``, a line read as its only
    for following a wide one (``_mark_split_note_tail``)."""
    last = max((k for k in range(since, body[stop] if stop < len(body) else body[-1] + 1)
                if raws[k].kind == NOTE and k != loose), default=None)
    if last is None or _NOTE_ENDED.search(raws[last].text):
        return []
    tail: list[int] = []
    closed = False
    at = stop
    while at > 0 and body[at - 1] > last and len(tail) < _SHORT_NOTE_LINES:
        text = raws[body[at - 1]].text
        if _note_start(raws, body, at - 1) is not None:
            return []  # a note of its own opens here (one no block took): these lines are its
        # the line right above the next note may also end the way a citation does, with its year
        closes = _closes_reference(text) or (not tail and stop < len(body) and bool(_YEAR_END.search(text)))
        url = bool(_URL.search(text) or _URL_PIECE.match(text) or ("/" in text and thai_share(text) == 0))
        if not (closes or url or (_wider_than_body(text, full) and _REFERENCE_LOOK.search(text))
                or (full <= COLUMN_MEASURE and thai_share(text) <= 0.5)):
            break
        closed = closed or closes or url
        at -= 1
        tail.append(body[at])
    return tail if closed else []


def _in_sequence(n: int, last_note: int) -> bool:
    """Whether a block's first note may be numbered ``n`` after note ``last_note``: the next, a
    few past it (notes the layout did not find), or 1 (numbering that restarts)."""
    return last_note < n <= last_note + 1 + _MAX_NOTE_GAP or n == 1


def _note_start(raws: list[RawLine], body: list[int], at: int) -> tuple[int, int] | None:
    """A note's number opening body line ``body[at]``: glued to its text, or alone on the line
    with the text right under it (pypdfium2 ends a line after a raised number, as XeLaTeX sets
    a footnote's). A number set apart by a blank line is not taken: that is how pdftotext sets
    a marker of the body alone."""
    k = body[at]
    lone = LONE_NUMBER.match(raws[k].text)
    if lone is None:
        return glued_note_start(raws[k].text)
    below = raws[k + 1].text if at + 1 < len(body) and body[at + 1] == k + 1 else ""
    follows = any(c.isalnum() for c in below) and not LONE_NUMBER.match(below)
    return (int(lone.group(1)), len(raws[k].text)) if follows else None


def _page_foot_block(raws: list[RawLine], body: list[int], last_note: int, full: float,
                     above: list[str]) -> Block | None:
    """The page's footnote block as (line, number, text offset) of each note's first line, or
    None. `body`: the page's text lines, top to bottom, after ``above`` (the page's body text
    before them, where markers are cited too)."""
    for pos, first in enumerate(body):
        start = _note_start(raws, body, pos)
        if start is None or not _in_sequence(start[0], last_note):
            continue
        notes = [(first, start[0], start[1])]
        wrapped: list[int] = []  # note lines followed by a line of the same note
        # lines opening with two numbers in a row before the first one (notes that a stray number
        # came before; one alone may be a wrapped `8(3), 294-302.`), with the page's next note
        # when the block opened with another (a count restarted or skipped), or with the first
        # number again, set otherwise (`3. การดื้อแพ่ง`, a numbered heading, then `3ISTIC.`): the
        # block opened on a line of running text
        earlier: set[int] = set()
        skipped = False
        form = number_form(raws[first].text[:start[1]])
        for at in range(pos + 1, len(body)):
            k = body[at]
            if not any(c.isalnum() for c in raws[k].text):
                continue  # a stray mark pdfminer.six left at the page's end is no line of a note
            nxt = _note_start(raws, body, at)
            if nxt is not None and nxt[0] == notes[-1][1] + 1:
                notes.append((k, nxt[0], nxt[1]))
                continue
            if not _URL_START.match(raws[k].text) and not LONE_NUMBER.match(raws[body[at - 1]].text):
                # (a URL too long for the line's end wraps early; a number alone has its text below)
                wrapped.append(body[at - 1])
            if nxt is not None and nxt[0] < notes[0][1]:
                earlier.add(nxt[0])
            skipped = skipped or (nxt is not None and nxt[0] == last_note + 1 != notes[0][1])
            skipped = skipped or (nxt is not None and nxt[0] == notes[0][1] and number_form(raws[k].text[:nxt[1]]) != form)
        misplaced = skipped or any(n + 1 in earlier for n in earlier)
        before = above + [raws[k].text for k in body[:pos]]
        # Notes are set in smaller type: most of a note's wrapped lines hold more than the body's
        # full line (not all: a line breaks early before a long word or a URL). Not always by
        # much (XeLaTeX in a narrow column): in text set in columns, a block of short notes
        # whose every number is cited above as a marker ...
        widths = sorted(_display_width(raws[k].text) for k in wrapped if not _runs_on_url(raws[k].text))
        narrow = full and widths and widths[len(widths) // 2] < _NOTE_WIDER * full
        # ... and none of whose notes ended on a short line with a stop while the block went on
        # unnumbered (a one-line note at the first column's foot, the second column after it),
        # is one whatever its width.
        ended = any(raws[k].text.rstrip().endswith(".") and _display_width(raws[k].text) < _ENDED_SHORT * full
                    for k in wrapped)
        short = (full <= COLUMN_MEASURE and len(body) - pos <= _SHORT_NOTE_LINES * len(notes)
                 and not ended)
        if misplaced or (narrow and not (short and all(_cited_above(before, n) for _, n, _ in notes))):
            continue  # a line of running text that happens to open with a number
        if len(notes) >= 2 or wrapped or _cited_above(before, notes[0][1]):
            return notes
    return None


def _column_foot_blocks(raws: list[RawLine], body: list[int], last_note: int,
                        full: float) -> list[tuple[Block, int, int | None]]:
    """Notes at the foot of a page's first column, with the second column's body after them:
    each block as its notes, its last line, and that line again where it was taken only for
    following a wide one (``_mark_split_note_tail`` may give it back to the body). A block opens
    with the next note's number and runs while its lines read as notes: the next number, a line
    after one cut in a URL, a line in Latin script (references run on in it; Thai bodies don't),
    a line that closes a reference (`หน้า 79–279.`), the last lines before the next note
    (``_next_note_within``), or a line after a wide one (a note line wraps only when full, and
    in its smaller type a full line is wider than the body's), unless that last one reads as the
    next column's first line (``_resumes_after_split_note``) with more of the page after it than
    the lines that show the body resuming. One of its numbers must be cited above on the page
    (not always the first: a marker glued to a number, `500` + `6`, reads as part of it), it
    must hold a wide line, a URL or a line that closes a reference, and the body must resume
    after it (a block that runs to the page's end, or to its number, is the page foot's). Only
    in text set in columns (`COLUMN_MEASURE`): in a page-wide measure the notes are the page's."""
    blocks: list[tuple[Block, int, int | None]] = []
    in_blocks: set[int] = set()
    at = 0
    while at < len(body):
        start = _note_start(raws, body, at)
        if start is None or not _in_sequence(start[0], last_note):
            at += 1
            continue
        above = [raws[k].text for k in body[:at] if k not in in_blocks]
        notes: Block = [(body[at], start[0], start[1])]
        # evidence that the lines are notes, not running text: a line wider than the body's, one
        # that closes a reference (`4อ้างแล้ว, หน้า 3.`: a note of one short line) or a URL
        evidence = _note_evidence(raws[body[at]].text, full)
        end = at + 1
        after_wide = False  # whether the last line came in only for following a wide one
        while end < len(body):
            prev, text = raws[body[end - 1]].text, raws[body[end]].text
            nxt = _note_start(raws, body, end)
            if nxt is not None and nxt[0] == notes[-1][1] + 1:
                notes.append((body[end], nxt[0], nxt[1]))
                after_wide = False
            elif (_runs_on_url(prev) or LONE_NUMBER.match(prev) or thai_share(text) <= 0.5) and not LONE_NUMBER.match(text):
                after_wide = False  # the note goes on (references run on in Latin script; Thai bodies don't)
            elif _next_note_within(raws, body, end, notes[-1], full) or _closes_reference(text):
                after_wide = False  # the note's last lines: the next note comes before the body could resume, or a reference closes
            elif _wider_than_body(prev, full) and not LONE_NUMBER.match(text):
                after_wide = True  # a wide line wraps: the note goes on
            else:
                break
            evidence = evidence or _note_evidence(text, full)
            end += 1
        # (the next column goes on for more than the lines that show the body resuming: lines
        # that only end the page are the note's)
        if (after_wide and len(body) - (end - 1) > _RESUMED_LINES
                and _resumes_after_split_note(raws[body[end - 1]].text, full)):
            end -= 1
            after_wide = False
        cited = any(_cited_above(above, n) for _, n, _ in notes)
        if cited and evidence and _body_resumes(raws, body, end, notes[-1][1] + 1):
            blocks.append((notes, body[end - 1], body[end - 1] if after_wide else None))
            in_blocks.update(body[at:end])
            last_note = notes[-1][1]
        at = end if cited else at + 1
    return blocks


def _body_resumes(raws: list[RawLine], body: list[int], at: int, next_note: int) -> bool:
    """Whether the body resumes at ``body[at]``: two lines of running text, mostly Thai
    together or the first one mostly Thai and the next one with Thai in it (one of them may
    name something in Latin letters: `มาตรฐานยุโรป เช่น General Data` + `Protection Regulation
    (GDPR) และ`), neither the next note (``next_note``; a heading numbered otherwise is body)
    nor a URL (what follows a page foot's notes is more of them, or a URL that wrapped, never a
    column of body text)."""
    lines = body[at:at + _RESUMED_LINES]
    starts = [_note_start(raws, body, i) for i in range(at, at + len(lines))]
    if len(lines) < _RESUMED_LINES or not all(
            (start is None or start[0] != next_note) and not _URL_START.match(raws[k].text)
            for k, start in zip(lines, starts, strict=True)):
        return False
    shares = [thai_share(raws[k].text) for k in lines]
    return thai_share(" ".join(raws[k].text for k in lines)) > 0.5 or (shares[0] > 0.5 and min(shares) > 0)


def _next_note_within(raws: list[RawLine], body: list[int], at: int, last: tuple[int, int, int],
                      full: float) -> bool:
    """Whether the note after ``last`` (its first line, number and text offset) opens the line
    after ``body[at]``, or the one after that where the line between ends a note (it closes a
    reference, or it is short), its number set as the last one's: ``body[at]`` then ends the
    note above however narrow it is (`th.wikipedia.org/ wiki/` + `จักรวรรดินิยม`; `หมายก ว้าง
    ซึ่ง ครอบคลุม` + `ประวัติศาสตร์และสังคม`), since the body cannot resume in one line
    (``_body_resumes``). Two full lines before it may be the body's, resumed for the column's
    last two lines. (A numbered heading of the second column, `2. ชาวอูเกอโน`, is set
    otherwise than `1Wagner`.)"""
    form = number_form(raws[last[0]].text[:last[2]])
    for i in range(at + 1, min(at + _RESUMED_LINES, len(body) - 1) + 1):
        start = _note_start(raws, body, i)
        if start is not None and start[0] == last[1] + 1 and number_form(raws[body[i]].text[:start[1]]) == form:
            return True
        text = raws[body[i]].text
        if not (_closes_reference(text) or _display_width(text) < _ENDED_SHORT * full):
            return False
    return False


def _resumes_after_split_note(text: str, full: float) -> bool:
    """Whether a block's last line, taken only for following a wide one, is the next column's
    first line instead. A note that goes on in the next column (LaTeX and LibreOffice split a
    long note there) fills its column, so the line under its wide last line is the next
    column's: nearly full, not closed the way a note's own short last line is (`สังคม`,
    `หน้า 3.`), and run together as Thai prose is, with few spaces (a reference's words are
    spaced apart in XeLaTeX's justified notes, `“รายงาน สถานการณ์ รัฐ วิกตอเรีย`: such a line
    stays the note's)."""
    return (_ENDED_SHORT * full <= _display_width(text) and not _wider_than_body(text, full) and thai_share(text) > 0.5
            and len(text.split()) <= _PROSE_SPACES + 1 and not _NOTE_ENDED.search(text))


def _wider_than_body(text: str, full: float) -> bool:
    """Wider than the body's full line ``full``: a note line in its smaller type."""
    return _display_width(text) >= _NOTE_WIDER * full


def _note_evidence(text: str, full: float) -> bool:
    return _wider_than_body(text, full) or _closes_reference(text) or bool(_URL.search(text))


def _closes_reference(text: str) -> bool:
    return bool(_REFERENCE_END.search(text))


def _runs_on_range(text: str) -> bool:
    return text.rstrip().endswith(("–", "-"))


def _runs_on_url(text: str) -> bool:
    """A line cut inside a URL or a page range ends where the text allowed, not at the margin."""
    return bool(re.search(r"(https?://\S*|[–-])$", text.rstrip()))
