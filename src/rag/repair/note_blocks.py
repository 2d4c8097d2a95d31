"""Footnote blocks that no rule announces, in text from any extractor.

Most extractors draw no footnote rule: a page's notes are numbered lines at its foot, set in
smaller type (so a wrapped note line holds more characters than a full body line), their
numbers glued to the text or alone on a line above it. In a two-column page (LaTeX sets each
column's notes at the column's foot) the first column's notes stand in the middle of the page's
text, the second column's body resuming after them (``column_notes``). This module reads each
page's blocks, the page foot's and the columns', and the tails of notes split across columns or
pages; ``layout`` has already marked rules, endnotes and running heads, and marks page numbers
after it.
"""

from __future__ import annotations

import re

from rag.repair.column_notes import column_foot_blocks
from rag.repair.layout import (
    BODY,
    FILLER,
    LONE_NUMBER,
    NOTE,
    PAGE_NUMBER,
    PAGEBREAK,
    SEPARATOR,
    RawLine,
    number_form,
    thai_share,
)
from rag.repair.lines import COLUMN_MEASURE
from rag.repair.note_lines import (
    ENDED_SHORT,
    NOTE_ENDED,
    NOTE_WIDER,
    URL,
    URL_START,
    Block,
    cited_above,
    cites_a_source,
    closes_reference,
    display_width,
    ends_on_date,
    in_sequence,
    note_start,
    runs_on_range,
    runs_on_url,
    wider_than_body,
)

# What a reference's Thai line holds and running Thai text hardly does: a colon or full stop
# before a space, a year in brackets, a page range, quotation marks around a title
_REFERENCE_LOOK = re.compile(r"[.:]\s|\(\d{4}|\d+[–-]\d+|[“”]")
# a URL's piece alone on a line (`church.2013`, `th.wikipedia.org/wiki/อิสลามนิยม`,
# `โนโลย-และกฎเกณฑ-2547`): one token with a dot, slash or hyphen and a Latin letter or digit
_URL_PIECE = re.compile(r"^\s*(?=\S*[/.\-])(?=\S*[A-Za-z0-9])\S+\s*$")
_YEAR_END = re.compile(r"\(\d{4}\)\s*$")  # `กระทรวงการต่างประเทศ (2561)`
# Lines a note takes at most, on average, in a block told from the body by its markers alone
_SHORT_NOTE_LINES = 8
# Lines a page's one note takes at most, in a block told from the body by the source it cites
_ONE_NOTE_LINES = 5


def _body_full_width(raws: list[RawLine]) -> float:
    """Width of a full line of running text: the upper quartile of the body lines' widths."""
    widths = sorted(display_width(r.text) for r in raws if r.kind == BODY and r.text.strip())
    if not widths:
        return 0.0
    return float(widths[min(len(widths) - 1, (3 * len(widths)) // 4)])


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
        if len(body) > 1 and PAGE_NUMBER.match(raws[body[-1]].text) and not runs_on_range(raws[body[-2]].text):
            body.pop()
        blocks = column_foot_blocks(raws, body, last_note, full) if full <= COLUMN_MEASURE else []
        rest = body[body.index(blocks[-1][1]) + 1:] if blocks else body
        above = [raws[k].text for k in body[:len(body) - len(rest)]
                 if not any(notes[0][0] <= k <= last for notes, last, _ in blocks)]
        foot = _page_foot_block(raws, rest, blocks[-1][0][-1][1] if blocks else last_note, full, above)
        if foot is not None:
            blocks.append((foot, rest[-1], None))
        since = starts[max(0, page_no - 1)]
        if full <= COLUMN_MEASURE and body:
            first = body.index(blocks[0][0][0][0]) if blocks else len(body)
            for k in _column_foot_tail(raws, body, first, since):
                raws[k].kind = NOTE
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
    pages ends so too, above the next page's notes. A note that ended with a stop goes on only
    with its URL, where it holds none yet: URL lines alone, the first opening with the scheme or
    `www.`, under a line of body (not one that reads as a reference). Left as notes' lines, they
    run on from the note read last. The note's last line is looked for above ``loose``, a line read as its only
    for following a wide one (``_mark_split_note_tail``)."""
    last = max((k for k in range(since, body[stop] if stop < len(body) else body[-1] + 1)
                if raws[k].kind == NOTE and k != loose), default=None)
    if last is None:
        return []
    # A note that ended with a stop may still go on with its URL (`... Artificial Intelligence.`
    # + `https://www.whitehouse.gov/presi` + ...), if it holds none yet: then its tail is the URL.
    ended = _note_ended(raws[last].text)
    if ended and _holds_url(raws, last):
        return []
    tail: list[int] = []
    closed = False
    at = stop
    while at > 0 and body[at - 1] > last and len(tail) < _SHORT_NOTE_LINES:
        text = raws[body[at - 1]].text
        if note_start(raws, body, at - 1) is not None:
            return []  # a note of its own opens here (one no block took): these lines are its
        # the line right above the next note may also end the way a citation does, with its year
        closes = closes_reference(text) or (not tail and stop < len(body) and bool(_YEAR_END.search(text)))
        url = bool(URL.search(text) or _URL_PIECE.match(text) or ("/" in text and thai_share(text) == 0))
        if ended and not url:
            break
        if not (closes or url or (wider_than_body(text, full) and _REFERENCE_LOOK.search(text))
                or (full <= COLUMN_MEASURE and thai_share(text) <= 0.5)):
            break
        closed = closed or closes or url
        at -= 1
        tail.append(body[at])
    if ended:
        # the URL stands where the next column's body ended: not under a line that reads as a
        # reference does (a note no block took, `About the ... (GPAI).`, `ประจำปี 2547,” 2547,`,
        # whose URL it is)
        above = raws[body[at - 1]].text if at > 0 and body[at - 1] != last else ""
        if not tail or not URL_START.match(raws[tail[-1]].text) or NOTE_ENDED.search(above) \
                or above.rstrip().rstrip("”’\"'").endswith(",") or cites_a_source(above):
            return []
        return tail
    return tail if closed else []


def _column_foot_tail(raws: list[RawLine], body: list[int], stop: int, since: int) -> list[int]:
    """The tail of a note that the page before left unfinished (`2 Csernatoni, R. (2024) .
    Europe’s Wake-Up Call`), where the producer set it: at the foot of this page's first
    column, the second column's body resuming under it (LibreOffice). Lines of the page's body
    before ``body[stop]`` (its first block of notes, or its end) in Latin script, a URL or a
    piece of one, one of them holding a whole URL or closing a reference, under a line of Thai
    running text and over two; ``_split_note_tail`` reads the tails that end right above a
    block or at the page's foot."""
    last = max((k for k in range(since, body[0]) if raws[k].kind == NOTE), default=None)
    if last is None or _note_ended(raws[last].text):
        return []
    for at in range(1, stop):
        if thai_share(raws[body[at - 1]].text) <= 0.5:
            continue
        end, closed = at, False
        while end < stop and end - at < _SHORT_NOTE_LINES and note_start(raws, body, end) is None:
            text = raws[body[end]].text
            # (a Thai line is the body's or a note's own, a URL at its end or not: `4สืบค้น …` +
            # `… จาก https://`)
            if not (thai_share(text) <= 0.5 or URL_START.match(text) or _URL_PIECE.match(text)):
                break
            # (a piece of a URL alone shows nothing: a word hyphenated at the line's end reads
            # as one, `manNation,OntheBabylonianCap-`)
            closed = closed or closes_reference(text) or bool(URL.search(text))
            end += 1
        resumed = body[end:end + 2]
        if closed and end > at and len(resumed) == 2 and all(thai_share(raws[k].text) > 0.5 for k in resumed):
            return body[at:end]
    return []


def _note_ended(text: str) -> bool:
    """Whether a note's last line ends it: with a stop, a bracket or a URL's end, but not with
    the date that opens a reference, its title still to come (`The White House. (2025 ,
    February 12) .`)."""
    return NOTE_ENDED.search(text) is not None and not ends_on_date(text)


def _holds_url(raws: list[RawLine], last: int) -> bool:
    """Whether the note whose last line is ``last`` holds a URL (its lines up to its number's)."""
    k = last
    while k >= 0 and raws[k].kind == NOTE:
        if URL.search(raws[k].text):
            return True
        if raws[k].note is not None:
            break
        k -= 1
    return False


def _page_foot_block(raws: list[RawLine], body: list[int], last_note: int, full: float,
                     above: list[str]) -> Block | None:
    """The page's footnote block as (line, number, text offset) of each note's first line, or
    None. `body`: the page's text lines, top to bottom, after ``above`` (the page's body text
    before them, where markers are cited too)."""
    for pos, first in enumerate(body):
        start = note_start(raws, body, pos)
        if start is None or not in_sequence(start[0], last_note):
            continue
        notes = [(first, start[0], start[1])]
        wrapped: list[int] = []  # note lines followed by a line of the same note
        # lines opening with two numbers in a row before the first one (notes that a stray number
        # came before; one alone may be a wrapped `8(3), 294-302.`), with the page's next note
        # when the block opened with another (a count restarted or skipped), or with the first
        # number again, set otherwise (`3. การดื้อแพ่ง`, a numbered heading, then `3ISTIC.`; a
        # number alone, the text's own, then `4 ISTIC.`): the block opened on a line of running
        # text
        earlier: set[int] = set()
        skipped = False
        form = number_form(raws[first].text[:start[1]])
        alone = LONE_NUMBER.match(raws[first].text) is not None
        for at in range(pos + 1, len(body)):
            k = body[at]
            if not any(c.isalnum() for c in raws[k].text):
                continue  # a stray mark pdfminer.six left at the page's end is no line of a note
            nxt = note_start(raws, body, at)
            if nxt is not None and (nxt[0] == notes[-1][1] + 1 or _one_lost(raws, body, at, nxt[0], notes[-1][1])):
                notes.append((k, nxt[0], nxt[1]))
                continue
            if not URL_START.match(raws[k].text) and not LONE_NUMBER.match(raws[body[at - 1]].text):
                # (a URL too long for the line's end wraps early; a number alone has its text below)
                wrapped.append(body[at - 1])
            if nxt is not None and nxt[0] < notes[0][1]:
                earlier.add(nxt[0])
            skipped = skipped or (nxt is not None and nxt[0] == last_note + 1 != notes[0][1])
            skipped = skipped or (nxt is not None and nxt[0] == notes[0][1] and (
                number_form(raws[k].text[:nxt[1]]) != form or alone != (LONE_NUMBER.match(raws[k].text) is not None)))
        misplaced = skipped or any(n + 1 in earlier for n in earlier)
        before = above + [raws[k].text for k in body[:pos]]
        # Notes are set in smaller type: most of a note's wrapped lines hold more than the body's
        # full line (not all: a line breaks early before a long word or a URL). Not always by
        # much (XeLaTeX in a narrow column): in text set in columns, a block of short notes
        # whose every number is cited above as a marker ...
        widths = sorted(display_width(raws[k].text) for k in wrapped if not runs_on_url(raws[k].text))
        narrow = full and widths and widths[len(widths) // 2] < NOTE_WIDER * full
        # ... and none of whose notes ended on a short line with a stop while the block went on
        # unnumbered (a one-line note at the first column's foot, the second column after it),
        # is one whatever its width.
        ended = any(raws[k].text.rstrip().endswith(".") and display_width(raws[k].text) < ENDED_SHORT * full
                    for k in wrapped)
        short = (full <= COLUMN_MEASURE and len(body) - pos <= _SHORT_NOTE_LINES * len(notes)
                 and not ended)
        cited = all(cited_above(before, n) for _, n, _ in notes)
        # On a page-wide measure, pdftotext cuts a justified note line into pieces that look
        # narrow: two notes or more, every number cited above, most of them citing a source, are
        # notes whatever their width; so is a page's one note, cited above, whose first line
        # cites a source, a few lines from the page's end.
        sources = full > COLUMN_MEASURE and cited and (
            2 * sum(cites_a_source(text) for text in _note_texts(raws, body, notes)) > len(notes)
            if len(notes) >= 2 else
            # one note, a few lines to the page's end (one more where its number stands alone),
            # citing a source before the next line that opens a note (`2 The White House. (2025 ,
            # March 27) . ICYMI:`; `2 UNCTAD.` + `(n.d.). Commission…`), as a paragraph does not
            len(body) - pos <= _ONE_NOTE_LINES + alone and cites_a_source(_own_text(raws, body, pos, start[1])))
        if misplaced or (narrow and not (short and cited) and not sources):
            continue  # a line of running text that happens to open with a number
        if len(notes) >= 2 or wrapped or cited_above(before, notes[0][1]):
            return notes
    return None


def _own_text(raws: list[RawLine], body: list[int], pos: int, offset: int) -> str:
    """The text of the note whose number opens ``body[pos]``, up to the next line that opens a
    note (a paragraph's line that opens with a number has the page's own note under it)."""
    texts = [raws[body[pos]].text[offset:]]
    for at in range(pos + 1, len(body)):
        if note_start(raws, body, at) is not None:
            break
        texts.append(raws[body[at]].text)
    return " ".join(texts)


def _one_lost(raws: list[RawLine], body: list[int], at: int, n: int, last: int) -> bool:
    """Note ``n`` opens line ``body[at]`` one past the next (``last`` + 2), and the note after it
    opens a later line of the page: the note between lost its number (pdftotext wrote it
    elsewhere, `12 Teevan…` under the page's last note), the count going on."""
    return n == last + 2 and any((start := note_start(raws, body, j)) is not None and start[0] == n + 1
                                 for j in range(at + 1, len(body)))


def _note_texts(raws: list[RawLine], body: list[int], notes: Block) -> list[str]:
    """Each note's text: its lines from its number to the next note's (the last, to the page's end)."""
    firsts = [body.index(k) for k, _, _ in notes]
    return [" ".join(raws[k].text for k in body[a:b]) for a, b in zip(firsts, firsts[1:] + [len(body)], strict=True)]
