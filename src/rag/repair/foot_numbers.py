"""Note numbers that pdftotext wrote apart from their notes at a page's foot, put back
(`reflow` calls this on pdftotext's text, before it glues pieces of lines together).

XeLaTeX sets a footnote's number raised at the start of its first line; pdftotext writes that
number on a line of its own, a blank line between it and the note's text, which is how it also
writes a marker of the body that it cut off its line. Where the page's body already cites the
number as a marker glued to a word (`ใกล้เคียง1`), the number alone is the note's (a marker
stands in the body once): its blank line goes, so that the layout reads the number with its
text (`note_lines.note_start`), and the piece reading does not take it for a marker of the line
above. Where a page has several notes, pdftotext may write all their numbers first and then all
their texts: each number goes to the line where its note opens, the first to the first line that
can open a note and the others where the line before closes a reference (a stop, a bracket, a
URL's end), stops short of the notes' widest line, or changes script, and this one opens as a
reference does (not in lower case, not with a digit). A number set left of a note's hanging
lines comes out before the lines of the note above that share its text block (the rest of that
note, or the tail of a note split across pages), and a number may come out after the page's
notes, or not at all: each goes to the line its note opens. Written here because it is ours:
no extractor or PDF library sees the text after pdftotext has laid it out.
"""

from __future__ import annotations

import re
from collections import Counter

from rag.repair.layout import (
    FILLER,
    PAGE,
    PAGE_LABEL,
    glued_note_start,
    is_endnote_heading,
    printed_page_number,
    thai_share,
)
from rag.repair.lines import LONE_NUMBER, head_key, is_blank, is_text, line_width
from rag.repair.note_lines import NOTE_ENDED, cited_above, opens_on_date, runs_on_url

# A note's first line opens with a capital, a Thai letter, a Chinese, Japanese or Korean one (an
# author such as 中华人民共和国外交部), a bracket, a quotation mark or a stop (an author lost:
# `. (2008).`): not in lower case (a wrapped URL, `presidential-actions/`) or with a digit
# (`2025/01/`, a page range)
_OPENS_NOTE = re.compile(r"^\s*[A-Z\u0e01-\u0e2e\u0e40-\u0e44\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af(\[“\"'.《「]")
# A line that runs on into the next: a comma, a colon, a dash, an ampersand (`Communication &`)
_RUNS_ON = re.compile(r"[,:;\-–&]\s*$")
# A note's last line stops short of the widest line of the page's notes
_SHORT = 0.8
# A URL's rest is one run of characters with no space: a line of this many words after a URL
# cut at its line's end is a note's text, not the URL's rest
_WORDS_PAST_URL = 3
# The rest of a note's line that pdftotext wrote under the next note's number: a wrapped line
# in lower case, a page range or year, a URL's piece (`doi.org/…`, `and-priorities/.`), on a
# line or two
_NOTE_REST = re.compile(r"^\s*(?:[a-z0-9]|www\.|https?:)")
_MOST_REST_LINES = 2
# A URL cut where its line ended: after its scheme, a slash or a hyphen (a whole URL may end
# with a slash too, so this only says the note may go on)
_URL_CUT = re.compile(r"(?:https?://|www\.)\S*[/\-‐]\s*$")


def place_note_numbers(texts: list[str], kinds: list[str], opens_page: list[bool]) -> int:
    """Put each page's note numbers that pdftotext wrote apart back beside their notes (see the
    module doc). Returns how many numbers were placed."""
    placed = 0
    page_start = 0
    i = 0
    while i < len(texts):
        if is_text(texts, kinds, i) and is_endnote_heading(texts[i]):
            # endnotes: the layout reads their numbers (`layout.endnotes`), once each is beside
            # the line its note opens
            return placed + _place_endnote_numbers(texts, kinds, opens_page, i)
        if opens_page[i]:
            page_start = i
        run = _number_run(texts, kinds, opens_page, page_start, i)
        if not run:
            i += 1
            continue
        lines = _note_lines(texts, kinds, opens_page, run[-1] + 1)
        if len(run) == 1:
            at = _own_line(texts, lines, _ran_on(texts, kinds, page_start) and _first_number(texts, kinds, page_start, i))
            if at is not None and at > 0:
                number = texts[run[0]].strip()
                kinds[run[0]], texts[run[0]] = FILLER, ""
                texts[lines[at]] = number + " " + texts[lines[at]].lstrip()
                placed += 1
            elif lines:
                for k in range(run[0] + 1, lines[0]):
                    kinds[k] = FILLER  # the blank line between the number and its note
                placed += 1
            elif (gap := _gap_line(texts, kinds, page_start, run[0])) is not None:
                texts[gap] = texts[run[0]].strip() + " " + texts[gap].lstrip()
                kinds[run[0]], texts[run[0]] = FILLER, ""
                placed += 1
        elif len(lines) >= len(run):
            starts = _note_starts(texts, lines, len(run))
            if starts is not None:
                numbers = [texts[n].strip() for n in run]
                for n in run:
                    kinds[n], texts[n] = FILLER, ""
                for number, k in zip(numbers, starts, strict=True):
                    if kinds[k - 1] == FILLER or is_blank(texts, kinds, k - 1):
                        kinds[k - 1], texts[k - 1] = "", number  # alone, right above its note
                    else:
                        texts[k] = number + " " + texts[k].lstrip()
                placed += len(run)
        i = run[-1] + 1
    return placed + _lost_numbers(texts, kinds, opens_page)


def _number_run(texts: list[str], kinds: list[str], opens_page: list[bool], page_start: int, i: int) -> list[int]:
    """Lines from i of numbers alone, each the next after the one before, one of them at least
    cited above on the page as a marker (all of them where the run is one number; a marker
    glued to a number, `วิชาการ304`, is not seen): none where line i is no such number."""
    run: list[int] = []
    k = i
    while is_text(texts, kinds, k) and LONE_NUMBER.match(texts[k].strip()) and (k == i or not opens_page[k]):
        if run and int(texts[k].strip()) != int(texts[run[-1]].strip()) + 1:
            break
        run.append(k)
        k += 1
        while k < len(texts) and (is_blank(texts, kinds, k) or kinds[k] == FILLER) and not opens_page[k]:
            k += 1
    above = [texts[k] for k in range(page_start, i) if is_text(texts, kinds, k)]
    cited = [cited_above(above, int(texts[k].strip())) for k in run]
    return run if run and (all(cited) or (len(run) > 1 and sum(cited) * 2 >= len(run))) else []


def _note_lines(texts: list[str], kinds: list[str], opens_page: list[bool], start: int) -> list[int]:
    """The text lines from ``start`` to the page's end or the next number alone."""
    lines: list[int] = []
    for k in range(start, len(texts)):
        if opens_page[k] or (kinds[k] and kinds[k] != FILLER):
            break
        if is_text(texts, kinds, k):
            if LONE_NUMBER.match(texts[k].strip()):
                break
            lines.append(k)
    return lines


def _own_line(texts: list[str], lines: list[int], carried: bool) -> int | None:
    """Where in ``lines`` a number written alone opens its note: the first line, unless that
    one cannot open a note (the rest of the note above: `doi.org/…`, a wrapped line in lower
    case) or is the rest of the last page's last note (``carried``: that note ran on, and the
    line closes a note before one that opens), then the first line after that opens as a note
    does after a line that closed one. pdftotext writes a note's number, set left of the note's
    hanging lines, before the lines of the note above that share its block. None where no line
    does."""
    if not lines:
        return None
    if carried and len(lines) >= 2 and NOTE_ENDED.search(texts[lines[0]]) and _OPENS_NOTE.match(texts[lines[1]]):
        return 1
    if _OPENS_NOTE.match(texts[lines[0]]):
        return 0
    for pos in range(1, min(len(lines), _MOST_REST_LINES + 1)):
        before = texts[lines[pos - 1]]
        if not _NOTE_REST.match(before):
            return None
        if _OPENS_NOTE.match(texts[lines[pos]]) and NOTE_ENDED.search(before) and not _RUNS_ON.search(before):
            return pos
    return None


def _ran_on(texts: list[str], kinds: list[str], page_start: int) -> bool:
    """The last page's text ended on a line that runs on (a comma, a colon, a dash, an
    ampersand, a URL cut after a slash or a hyphen), the page's number and a number alone
    aside."""
    for k in range(page_start - 1, -1, -1):
        if is_text(texts, kinds, k) and not LONE_NUMBER.match(texts[k].strip()) and not printed_page_number(texts[k]):
            return bool(_RUNS_ON.search(texts[k]) or _URL_CUT.search(texts[k]))
    return False


def _first_number(texts: list[str], kinds: list[str], page_start: int, at: int) -> bool:
    """Line ``at`` is the page's first note number alone on its line (one that the page cites
    above it: not the page's own number)."""
    above = [texts[k] for k in range(page_start, at) if is_text(texts, kinds, k)]
    return not any(LONE_NUMBER.match(t.strip()) and cited_above(above[:pos], int(t.strip()))
                   for pos, t in enumerate(above))


def _gap_line(texts: list[str], kinds: list[str], page_start: int, at: int) -> int | None:
    """The line whose note lost number ``texts[at]``, a number alone closing the page's text
    after its notes (pdftotext wrote it last): the page holds the notes before and after it
    alone on their lines (`4` … `6` `7` `8` … `5`), and between them, past the first note's
    first line, the line likeliest to open a note (``_note_starts``). None otherwise."""
    n = int(texts[at].strip())
    return _between_line(texts, kinds, _alone(texts, kinds, page_start, at), n)


def _alone(texts: list[str], kinds: list[str], start: int, end: int) -> dict[int, int]:
    """The numbers alone on their lines from ``start`` to ``end``: number -> its line."""
    return {int(texts[k].strip()): k for k in range(start, end)
            if is_text(texts, kinds, k) and LONE_NUMBER.match(texts[k].strip())}


def _between_line(texts: list[str], kinds: list[str], alone: dict[int, int], n: int) -> int | None:
    """The line that opens note n, whose number is not alone on its line where those of notes
    n - 1 and n + 1 are: past note n - 1's first line and before note n + 1's number, the line
    likeliest to open a note (``_note_starts``). None where no such pair, or where a line
    between opens with n glued to it."""
    if n in alone or n - 1 not in alone or n + 1 not in alone or alone[n - 1] > alone[n + 1]:
        return None
    between = [k for k in range(alone[n - 1] + 1, alone[n + 1]) if is_text(texts, kinds, k)]
    if any((start := glued_note_start(texts[k])) is not None and start[0] == n for k in between):
        return None
    starts = _note_starts(texts, between, 2) if len(between) >= 2 else None
    return starts[1] if starts else None


def _lost_numbers(texts: list[str], kinds: list[str], opens_page: list[bool]) -> int:
    """Notes whose numbers pdftotext did not write at all (`1` + note 1 + note 2 + `3` + note 3,
    the page citing 2 as a marker): each such number, cited above the page's notes, goes to the
    line that opens its note between its neighbours (``_between_line``). Returns how many."""
    placed = 0
    starts = [k for k in range(len(texts)) if k == 0 or opens_page[k]] + [len(texts)]
    for s, e in zip(starts[:-1], starts[1:], strict=True):
        alone = _alone(texts, kinds, s, e)
        for n in sorted(alone):
            above = [texts[k] for k in range(s, alone[n]) if is_text(texts, kinds, k)]
            if n + 1 in alone or n + 2 not in alone or not cited_above(above, n + 1):
                continue
            at = _between_line(texts, kinds, alone, n + 1)
            if at is not None:
                texts[at] = f"{n + 1} {texts[at].lstrip()}"
                placed += 1
    return placed


def _note_starts(texts: list[str], lines: list[int], count: int) -> list[int] | None:
    """The lines where ``count`` notes written one after another open: the first line that can
    open one (lines before it are the rest of the note above: `and-priorities/.`), and the
    lines that open like a note after a line that closes one, the likeliest first."""
    widest = max(line_width(texts[k]) for k in lines)
    first = next((pos for pos, k in enumerate(lines) if _OPENS_NOTE.match(texts[k])), None)
    if first is None:
        return None
    scored = []
    for pos in range(first + 1, len(lines)):
        before, line = texts[lines[pos - 1]], texts[lines[pos]]
        if not _OPENS_NOTE.match(line) or opens_on_date(line):
            continue
        score = 0
        if NOTE_ENDED.search(before):
            score += 2
        if line_width(before) < _SHORT * widest:
            score += 1
        if _RUNS_ON.search(before) or (runs_on_url(before) and len(line.split()) < _WORDS_PAST_URL):
            score -= 2
        if (thai_share(before) > 0.5) != (thai_share(line) > 0.5):
            score += 1  # a Thai reference after a Latin one, or the other way
        scored.append((-score, pos))
    if len(scored) < count - 1:
        return None
    chosen = sorted(pos for _, pos in sorted(scored)[:count - 1])
    return [lines[first]] + [lines[p] for p in chosen]


def _place_endnote_numbers(texts: list[str], kinds: list[str], opens_page: list[bool], heading: int) -> int:
    """Endnotes under ``heading`` whose numbers pdftotext wrote on lines of their own, a number
    under its note's first line rather than above it (a list's number in another face sits a
    little lower than the line it opens: `Government of Canada. (n.d.) . The Digital Nations.`
    + `1` + `https://www.canada.ca/…`), though not always (`10` above `Ibid., p. 15.`). Each
    number in the count goes to the line above it or the one below, whichever opens a note (as a
    reference opens, after a line that closed one or right under the heading), the way the number
    before went where both do; the running heads and page numbers of the pages it crosses are no
    note's line (marked as such here: pdftotext's pieces of a page's top come apart otherwise).
    Only where the heading's first line has no number: numbers written first are the layout's
    to read as they are. Returns how many numbers were placed."""
    furniture = _page_furniture(texts, kinds, opens_page)
    lines = [k for k in range(heading + 1, len(texts))
             if is_text(texts, kinds, k) and not _is_furniture(texts[k], furniture)]
    if not lines or LONE_NUMBER.match(texts[lines[0]].strip()) or glued_note_start(texts[lines[0]]):
        return 0
    numbers = [pos for pos, k in enumerate(lines) if LONE_NUMBER.match(texts[k].strip())]
    count = [pos for n, pos in enumerate(numbers) if int(texts[lines[pos]].strip()) == n + 1]
    if len(count) < 2 or count != numbers[:len(count)]:
        return 0
    starts = _number_places(texts, lines, numbers, count)
    if starts is None:
        return 0
    for k in range(heading + 1, len(texts)):
        if is_text(texts, kinds, k) and _is_furniture(texts[k], furniture):
            kinds[k] = PAGE  # (the layout's running heads are read before the notes)
    for pos, at in starts:
        number = texts[lines[pos]].strip()
        kinds[lines[pos]], texts[lines[pos]] = FILLER, ""
        texts[lines[at]] = number + " " + texts[lines[at]].lstrip()
    return len(starts)


def _number_places(texts: list[str], lines: list[int], numbers: list[int],
                   count: list[int]) -> list[tuple[int, int]] | None:
    """Where each counted number goes: (its position in ``lines``, its note's first line's), the
    line above it or the one below, read for all the numbers together: the lines in order, each
    one that can open a note, the most that open as notes do, and among readings as good, the
    most numbers placed the way the number before them was (a list is set one way). One at a
    time, a number that took the line below because it opened better left the next number none
    (`อ้างแล้ว, หน้า 207.` + `7` + `สืบค้นข้อมูล… จาก` + `8` + `https://…`). None where no
    reading places them all."""
    # best[(choice)] = (score, same-way count, path) over the numbers read so far
    best: dict[tuple[int, bool], tuple[int, int, list[tuple[int, int]]]] = {(-1, True): (0, 0, [])}
    for pos in count:
        step: dict[tuple[int, bool], tuple[int, int, list[tuple[int, int]]]] = {}
        for at, up in ((pos - 1, True), (pos + 1, False)):
            if not 0 <= at < len(lines) or at in numbers:
                continue
            opens = _opens_note(texts, lines, count, at)
            if opens < 0:
                continue
            for (last, last_up), (score, same, path) in best.items():
                if at <= last:
                    continue
                cand = (score + opens, same + (up == last_up), [*path, (pos, at)])
                if (at, up) not in step or cand[:2] > step[(at, up)][:2]:
                    step[(at, up)] = cand
        if not step:
            return None
        best = step
    return max(best.values(), key=lambda v: v[:2])[2]


def _opens_note(texts: list[str], lines: list[int], numbers: list[int], at: int) -> int:
    """How well ``lines[at]`` reads as a note's first line: -1 where it cannot open one (lower
    case, a digit: the rest of a URL), 2 right under the heading or after a line that closed a
    note, 1 otherwise, 0 after a line that runs on (a comma, a colon, a dash)."""
    if not _OPENS_NOTE.match(texts[lines[at]]):
        return -1
    before = next((lines[p] for p in range(at - 1, -1, -1) if p not in numbers), None)
    if before is None or NOTE_ENDED.search(texts[before]):
        return 2
    return 0 if _RUNS_ON.search(texts[before]) else 1  # (a URL that ends with its slash may have ended)


def _is_furniture(text: str, furniture: set[str]) -> bool:
    key = head_key(text)
    return (bool(key) and key in furniture) or bool(PAGE_LABEL.match(text))


def _page_furniture(texts: list[str], kinds: list[str], opens_page: list[bool]) -> set[str]:
    """Running heads and printed page numbers: what the first two text lines of two pages or
    more (numbers alone aside: a note's) read alike but for their digits (`Journal of Thai
    Studies, Vol. 9 No. 1`, `Page 6`)."""
    seen: Counter[str] = Counter()
    for k in (k for k in range(len(texts)) if k == 0 or opens_page[k]):
        tops = [j for j in range(k, min(len(texts), k + 12))
                if is_text(texts, kinds, j) and not LONE_NUMBER.match(texts[j].strip())][:2]
        seen.update({head_key(texts[j]) for j in tops})
    return {key for key, n in seen.items() if n >= 2}
