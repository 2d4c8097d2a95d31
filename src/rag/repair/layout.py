"""Page layout of PDF-extracted text: which lines are body, footnotes, separators, page numbers,
page breaks.

Read before any glyph is repaired, because the numbers in references and page furniture must
not be taken for footnote markers, and because the structure stage builds references and page
numbers from these kinds. The cues are the ones PDF extraction leaves: a footnote rule (a long
run of spaces or underscores), numbered reference lines that follow it and run on (a line that
ends inside a word or URL continues), the next page's body resuming (often indented, and in
Thai where the references are Latin), lone numbers next to that furniture, and form feeds.
Footnote blocks that no rule announces are `note_blocks`' job, between `layout` and
`page_numbers`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.thai.chars import BELOW_VOWELS, LETTERS, NIKHAHIT, THANTHAKHAT, TONES, YAMAKKAN

BODY, NOTE, SEPARATOR, PAGE, PAGEBREAK, BLANK = "body", "note", "separator", "page", "pagebreak", "blank"
# A line left empty where the extractor cut a line the reflow put back together, or a blank line
# that marks nothing (`repair_reflow`): kept so that every input line has its output line.
FILLER = "filler"
FURNITURE = frozenset({SEPARATOR, PAGE, PAGEBREAK, FILLER})

_SEPARATOR_RULE = re.compile(r"^\s*[_\-‐‑‒–—―=]{5,}\s*$")
PAGE_NUMBER = re.compile(r"^\s*[-–—]?\s*([1-9][0-9]{0,3})\s*[-–—]?\s*$")
# A printed page number with its word, alone on its line (`Page 6`, `หน้า 12`)
PAGE_LABEL = re.compile(r"^\s*(?:Page|หน้า)\s*[0-9๐-๙]{1,4}\s*$", re.IGNORECASE)
# A note's number: `1 `, `1. `, `1) ` or in brackets, `[1] ` (group 1 or 2).
_NOTE_START = re.compile(r"^\s{0,3}(?:\[([1-9][0-9]{0,2})\]\s*|([1-9][0-9]{0,2})(?:\s+|[.)]\s*))(?=\S)")
_URLISH = re.compile(r"^(https?:|www\.|doi:|[\w.-]+/|[\w-]+\.(html?|pdf|aspx?)\b)", re.I)
_SENTENCE_END = re.compile(r"[.。]\s*$|[./]\s*$")


def _is_separator(raw: str) -> bool:
    return (raw.strip() == "" and len(raw) - len(raw.lstrip("\f")) == 0 and len(raw) >= 10) or bool(
        _SEPARATOR_RULE.match(raw)
    )


def thai_share(s: str) -> float:
    letters = [ch for ch in s if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(ch in LETTERS for ch in letters) / len(letters)


@dataclass
class RawLine:
    """A line being classified: its text with characters cleaned, but spaces as extracted."""

    text: str
    kind: str = BODY
    note: int | None = None
    body_start: int = 0  # where the note text starts (after its number)
    page: int | None = None
    endnote: bool = False  # a note line of the endnotes at the document's end


def _note_start(raw: str, expected: int) -> tuple[int, int] | None:
    m = _NOTE_START.match(raw)
    if not m:
        return None
    n = int(m.group(1) or m.group(2))
    if n == expected or n == 1 or expected == 1:
        # the next number; or numbering restarting on a new page; or the document's first note,
        # which need not be 1 in an excerpt
        return n, m.end()
    return None


def _continues_note(prev: str, raw: str, note_text: str) -> bool:
    """Is `raw` the next line of the reference whose last line was `prev`?"""
    if prev and not prev[-1].isspace():
        return True  # rule 8: the reference's last line ended inside a word or URL
    if raw[:1].isspace():
        return False  # an indent: the next page's body resumes
    if _URLISH.match(raw.strip()):
        return True
    if thai_share(raw) <= 0.5:
        return True  # references run on in Latin script (authors, titles, dates); Thai bodies don't
    if thai_share(note_text) <= 0.5:
        return False
    return not _SENTENCE_END.search(prev)


def layout(all_raws: list[RawLine]) -> bool:
    """Mark separators, running heads, footnote blocks under a rule and endnotes in place
    (FILLER lines are passed over). Returns whether the document has endnotes; the caller then
    marks footnote blocks without a rule (`note_blocks.page_foot_notes`, unless it has) and
    the page numbers (`page_numbers`)."""
    raws = [r for r in all_raws if r.kind != FILLER]
    last_note = 0
    n = len(raws)
    i = 0
    for r in raws:
        t = r.text
        if r.kind == PAGEBREAK:
            continue
        if _is_separator(t):
            r.kind = SEPARATOR
        elif not t.strip():
            r.kind = BLANK
    running_heads(raws)
    # footnote blocks after separators
    while i < n:
        if raws[i].kind != SEPARATOR:
            i += 1
            continue
        j = i + 1
        while j < n and raws[j].kind == BLANK:
            j += 1
        start = _note_start(raws[j].text, last_note + 1) if j < n else None
        if start is None:
            i = j
            continue
        current_text = ""
        prev_raw = ""
        while j < n:
            r = raws[j]
            if r.kind in (SEPARATOR, PAGEBREAK):
                break
            if r.kind == BLANK:
                k = j + 1
                while k < n and raws[k].kind == BLANK:
                    k += 1
                if k < n and raws[k].kind == BODY and (
                    _note_start(raws[k].text, last_note + 1)
                    or (
                        not PAGE_NUMBER.match(raws[k].text)
                        and _continues_note(prev_raw, raws[k].text, current_text)
                    )
                ):
                    j = k
                    continue
                break
            start = _note_start(r.text, last_note + 1)
            if start is not None:
                r.kind, r.note, r.body_start = NOTE, start[0], start[1]
                last_note = start[0]
                current_text = r.text[start[1]:]
            elif PAGE_NUMBER.match(r.text):
                break
            elif _continues_note(prev_raw, r.text, current_text):
                r.kind = NOTE
                current_text += " " + r.text
            else:
                break
            prev_raw = r.text
            j += 1
        i = j
    return endnotes(raws)


def page_numbers(all_raws: list[RawLine]) -> None:
    """Mark lone page numbers (next to other furniture; set apart by blank lines; or, in a
    document with page breaks or footnote rules, opening or closing it) and number the page
    breaks. Runs after every kind of note block is marked: a number beside one is furniture."""
    raws = [r for r in all_raws if r.kind != FILLER]
    n = len(raws)
    paged = any(r.kind in (PAGEBREAK, SEPARATOR) for r in raws)
    for k, r in enumerate(raws):
        if r.kind != BODY:
            continue
        m = PAGE_NUMBER.match(r.text)
        if not m:
            continue
        prev_k = next((x for x in range(k - 1, -1, -1) if raws[x].kind != BLANK), None)
        next_k = next((x for x in range(k + 1, n) if raws[x].kind != BLANK), None)
        isolated = 0 < k < n - 1 and raws[k - 1].kind == BLANK and raws[k + 1].kind == BLANK
        if (
            isolated
            or (prev_k is None and paged)
            or (prev_k is not None and raws[prev_k].kind in (NOTE, SEPARATOR, PAGEBREAK, PAGE))
            or (next_k is None and paged)
            or (next_k is not None and raws[next_k].kind in (SEPARATOR, PAGEBREAK))
        ):
            r.kind, r.page = PAGE, int(m.group(1))
    pages = 1
    for r in raws:
        if r.kind == PAGEBREAK:
            pages += 1
            r.page = pages


# A note's number, set as a superscript, often comes out glued to its text (`1Thai Wikipedia`,
# `2ดูรายละเอียด`); not before a digit or a number's punctuation (`1,189`, `3.8`, `5%`), nor
# before a Thai vowel or mark that cannot open a word: `1านั` is a line that an extractor began
# with a mark it read as a digit (pdfminer.six on LibreOffice + Umpush), inside a paragraph.
# Nor, glued, before one capital letter that ends there (`5G`, `3D`, `Astra` + `2A ซึ่ง…` at a
# line's start): a code that a wrapped line opens with, not a note; an initial (`2A. Smith`)
# and English's `A` and `I` before a word in lower case (`2A study of…`) still open one.
_GLUED_NOTE_START = re.compile(
    r"^\s{0,3}(?:\[([1-9][0-9]{0,2})\]\s*(?=\S)|([1-9][0-9]{0,2})"
    r"(?:[.)]\s*|\s+|(?!(?![AI]\s+[a-z])[A-Z](?![^\W\d_]|\.)))"
    r"(?=[^\s\d.,:/%\-–\u0e30-\u0e3a\u0e45\u0e47-\u0e4e]))"
)
LONE_NUMBER = re.compile(r"^\s*([1-9][0-9]{0,2})\s*$")
# Headings that open a document's endnotes (checked without case, spaces or a closing colon).
ENDNOTE_HEADINGS = frozenset(
    "เชิงอรรถ อ้างอิง เอกสารอ้างอิง บรรณานุกรม หมายเหตุ แหล่งอ้างอิง แหล่งที่มา รายการอ้างอิง "
    "notes endnotes footnotes references bibliography sources workscited".split()
)
# Lower vowels and tone marks, which a heading's bold face maps to each other in the text the
# extractors give (LibreOffice's bold Sawasdee: `หมายเหต้` for หมายเหตุ); a heading is matched
# without them.
_CONFUSED_MARKS = re.compile(f"[{BELOW_VOWELS}\u0e47{TONES}{THANTHAKHAT}{NIKHAHIT}{YAMAKKAN}]")  # (\u0e47: MAITAIKHU)
_ENDNOTE_SKELETONS = frozenset(_CONFUSED_MARKS.sub("", h) for h in ENDNOTE_HEADINGS)


def glued_note_start(raw: str) -> tuple[int, int] | None:
    m = _GLUED_NOTE_START.match(raw)
    return (int(m.group(1) or m.group(2)), m.end()) if m else None


# A page's printed number and a note's number on one line (`- 33 3`): pdftotext writes a
# number at the page's top and the superscript number of the note below it as one line.
_PAGE_AND_NOTE = re.compile(r"^\s*[-–—]\s*[1-9][0-9]{0,3}\s*[-–—]?\s+([1-9][0-9]{0,2})\s*$")


# An endnote whose author the face could not set, its letters lost (NUL, dropped): the number
# and the author's stop are left, `3. . (2022). Oxygen.`
_LOST_AUTHOR = re.compile(r"^\s{0,3}([1-9][0-9]{0,2})\.\s+\.\s+(?=\()")


# A note's number alone on its line, set as the list sets them (`2.`, `[2]`): pdftotext ends the
# line after it where the note's text opens in another face (`2.` + `務省 (Ministry …`).
_BARE_NOTE_NUMBER = re.compile(r"^\s{0,3}(?:\[([1-9][0-9]{0,2})\]|([1-9][0-9]{0,2})[.)])\s*$")


def _bare_start(m: re.Match[str]) -> tuple[int, int]:
    """(number, text offset) of a `_BARE_NOTE_NUMBER` line: the note's text opens on the next."""
    return int(m.group(1) or m.group(2)), len(m.string)


def is_endnote_heading(text: str) -> bool:
    """A heading such as เชิงอรรถ or Notes (one of ENDNOTE_HEADINGS) alone on its line, its
    lower vowels and tone marks aside (`_CONFUSED_MARKS`)."""
    return _CONFUSED_MARKS.sub("", "".join(text.split()).rstrip(":").lower()) in _ENDNOTE_SKELETONS


def number_form(head: str) -> str:
    """How a note's number is set (`[3]`, `3.`, `3)`, `3`), its digits aside."""
    return re.sub(r"\d+", "#", head.strip())


def endnotes(raws: list[RawLine]) -> bool:
    """A heading such as เชิงอรรถ or Notes followed by numbered lines opens the document's
    endnotes: from there to the end every text line is a note line, a note starting where a line
    opens with the next number, or the one after it set the same way (alone on its line too, as
    justified text comes apart). The heading itself is furniture, like a footnote rule. Returns
    whether the document has them (its numbered lines at a page's foot are then body text: notes
    are in one place or the other).

    Not where the numbers count up twice: `แหล่งที่มา` cut off a justified line of running text
    by pdftotext, over the paragraph's markers set alone (`16`, `17`), then the page's footnotes
    with the same numbers (`16 สำนักงาน…`, `17 …`). An endnote list counts once."""
    for h, r in enumerate(raws):
        if r.kind != BODY or not is_endnote_heading(r.text):
            continue
        nxt = next((k for k in range(h + 1, len(raws)) if raws[k].kind == BODY), None)
        if nxt is None:
            return False
        starts = _endnote_starts(raws, nxt)
        if starts is None:
            continue
        r.kind = SEPARATOR
        for k in range(nxt, len(raws)):
            if raws[k].kind == BODY:
                raws[k].kind = NOTE
                raws[k].endnote = True
                if k in starts:
                    raws[k].note, raws[k].body_start = starts[k]
        return True
    return False


def _endnote_starts(raws: list[RawLine], nxt: int) -> dict[int, tuple[int, int]] | None:
    """Where each endnote opens, from line ``nxt`` (the first under the heading) to the end, as
    line -> (number, text offset); None when ``nxt`` opens no note, or when numbers the count
    gave to notes open lines of text again, one after the other (a second list: the heading was
    running text). Numbers alone do not count (pypdfium2 writes a turned page number digit by
    digit, one to a line), nor one the count passed by (a page number alone taken for the next
    note: `8`, `10`, then `[9]`, `[10]`)."""
    lone = LONE_NUMBER.match(raws[nxt].text)
    bare = _BARE_NOTE_NUMBER.match(raws[nxt].text)
    start = (int(lone.group(1)), len(raws[nxt].text)) if lone else _bare_start(bare) if bare else glued_note_start(raws[nxt].text)
    if start is None:
        return None
    expected = start[0]
    form = None if lone else number_form(raws[nxt].text[:start[1]])
    starts: dict[int, tuple[int, int]] = {}
    given: set[int] = set()
    again: int | None = None  # the last number already given to a note that opened a line of text again
    for k in range(nxt, len(raws)):
        line = raws[k]
        if line.kind != BODY:
            continue
        lone = LONE_NUMBER.match(line.text) or _PAGE_AND_NOTE.match(line.text)
        bare = _BARE_NOTE_NUMBER.match(line.text)
        head = (int(lone.group(1)), len(line.text)) if lone else _bare_start(bare) if bare else glued_note_start(line.text)
        lost = _LOST_AUTHOR.match(line.text) if head is None and not lone else None
        if lost:
            head = (int(lost.group(1)), lost.end())
        # the next number, or the one after it set as the notes' numbers are: a note whose
        # number the extractor lost (or whose text cannot open a note: `2. . (2024).` where
        # the face lacked the author's letters) must not end the count for every note after
        # it, while a wrapped line that opens with a number (`[2] … the Chip` + `4 Alliance`)
        # is no note
        head_form = number_form(line.text[:lost.end(1) + 1] if lost else line.text[:head[1]]) if head else None
        if head is not None and (head[0] == expected or head[0] == expected + 1 and (lone or head_form == form)):
            starts[k] = head
            given.add(head[0])
            expected = head[0] + 1
        elif head is not None and not (lone or bare) and head[0] in given:
            if again is not None and head[0] == again + 1:
                return None
            again = head[0]
    return starts


_DIGIT_RUN = re.compile(r"\d+")
_MIN_PAGES_FOR_HEADS = 3
# Lines a running header or footer may take (a title in pieces over its page number)
_HEAD_LINES = 3


def _page_ranges(raws: list[RawLine]) -> list[range]:
    bounds = [k for k, r in enumerate(raws) if r.kind == PAGEBREAK]
    starts = [0] + [b + 1 for b in bounds]
    ends = bounds + [len(raws)]
    return [range(s, e) for s, e in zip(starts, ends, strict=True)]


def running_heads(raws: list[RawLine]) -> None:
    """Running headers and footers: a page's first or last line that comes back on most pages,
    the same but for its digits (`บทความปริทัศน์`, `Page 307`, `วารสาร... ปีที่ 12 - 23 -`). They
    are page furniture; where all that changes from page to page is one number, it is the
    printed page number. A header may take more than one line (a title over `Page 308`, or one
    an extractor cut in pieces): while what was taken is the same text on every page, the line
    after it is asked too, up to `_HEAD_LINES` deep (and the line over a footer the same)."""
    pages = [p for p in _page_ranges(raws) if any(raws[k].kind == BODY for k in p)]
    if len(pages) < _MIN_PAGES_FOR_HEADS:
        return
    breaks = [k for k, r in enumerate(raws) if r.kind == PAGEBREAK]
    for pick in (lambda ks: ks[0], lambda ks: ks[-1]):
        under = False
        for _ in range(_HEAD_LINES):
            if not _mark_heads(raws, pages, breaks, pick, under=under):
                break  # nothing taken, or a line with the page's number: the header is whole
            under = True


def _mark_heads(raws: list[RawLine], pages: list[range], breaks: list[int], pick: Callable[[list[int]], int], *,
                under: bool) -> bool:
    """One pass of `running_heads` over the line `pick` chooses on each page; whether it took
    lines, each the same text on every page (the header may go on under them). A line `under`
    such a header is furniture only if it is the same on every page too, or the page's number,
    counting up with the pages (`breaks`: the page breaks' lines): a page's last notes may
    share a form (`3 Ibid., p. 102.`), and a note's number may stand alone under a header (`3`)."""
    # a page whose one body line the first pass took as its header has none left for the second
    lines = [pick(ks) for ks in ([k for k in p if raws[k].kind == BODY] for p in pages) if ks]
    forms: dict[str, list[int]] = {}
    for k in lines:
        form = _DIGIT_RUN.sub("#", " ".join(raws[k].text.split()))
        forms.setdefault(form, []).append(k)
    taken: set[bool] = set()  # whether each form taken is the same text on every page
    for form, ks in forms.items():
        if len(ks) < 2 or len(ks) * 2 < len(pages):
            continue
        numbers = [_DIGIT_RUN.findall(raws[k].text) for k in ks]
        numbered = form.count("#") == 1 and len({tuple(n) for n in numbers}) > 1
        literal = len({tuple(n) for n in numbers}) == 1
        if not numbered and not any(ch.isalpha() for ch in form):
            continue  # the same number on every page, and nothing else: no header
        if under and numbered:
            # a page number counts up with the pages; a note's number alone under a header does not
            offsets = [int(n[0]) - bisect.bisect(breaks, k) for k, n in zip(ks, numbers, strict=True)]
            common = max(sorted(set(offsets)), key=offsets.count)
            keep = [j for j, o in enumerate(offsets) if o == common]
            if len(keep) < 2 or len(keep) * 2 < len(pages):
                continue
            ks, numbers = [ks[j] for j in keep], [numbers[j] for j in keep]
        elif under and not literal:
            continue
        for k, nums in zip(ks, numbers, strict=True):
            raws[k].kind = PAGE
            raws[k].page = int(nums[0]) if numbered and len(nums[0]) <= 4 else None
        taken.add(literal)
    return taken == {True}


def printed_page_number(text: str) -> bool:
    """A page's number alone on its line as a header or footer prints it, with its word or
    dashes (`Page 6`, `หน้า 12`, `- 6 -`): a bare number may as well be a note's."""
    return bool(PAGE_LABEL.match(text) or (PAGE_NUMBER.match(text) and any(ch in text for ch in "-–—")))
