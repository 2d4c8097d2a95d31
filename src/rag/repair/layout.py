"""Page layout of PDF-extracted text: which lines are body, footnotes, separators, page numbers,
page breaks.

Read before any glyph is repaired, because the numbers in references and page furniture must
not be taken for footnote markers, and because the structure stage builds references and page
numbers from these kinds. The cues are the ones PDF extraction leaves: a footnote rule (a long
run of spaces or underscores), numbered reference lines that follow it and run on (a line that
ends inside a word or URL continues), the next page's body resuming (often indented, and in
Thai where the references are Latin), lone numbers next to that furniture, and form feeds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.thai.chars import LETTERS

BODY, NOTE, SEPARATOR, PAGE, PAGEBREAK, BLANK = "body", "note", "separator", "page", "pagebreak", "blank"
FURNITURE = frozenset({SEPARATOR, PAGE, PAGEBREAK})

_SEPARATOR_RULE = re.compile(r"^\s*[_\-‐‑‒–—―=]{5,}\s*$")
PAGE_NUMBER = re.compile(r"^\s*[-–—]?\s*([1-9][0-9]{0,3})\s*[-–—]?\s*$")
_NOTE_START = re.compile(r"^\s{0,3}([1-9][0-9]{0,2})(?:\s+|[.)]\s*)(?=\S)")
_URLISH = re.compile(r"^(https?:|www\.|doi:|[\w.-]+/|[\w-]+\.(html?|pdf|aspx?)\b)", re.I)
_SENTENCE_END = re.compile(r"[.。]\s*$|[./]\s*$")


def _is_separator(raw: str) -> bool:
    return (raw.strip() == "" and len(raw) - len(raw.lstrip("\f")) == 0 and len(raw) >= 10) or bool(
        _SEPARATOR_RULE.match(raw)
    )


def _thai_share(s: str) -> float:
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


def _note_start(raw: str, expected: int) -> tuple[int, int] | None:
    m = _NOTE_START.match(raw)
    if not m:
        return None
    n = int(m.group(1))
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
    if _thai_share(raw) <= 0.5:
        return True  # references run on in Latin script (authors, titles, dates); Thai bodies don't
    if _thai_share(note_text) <= 0.5:
        return False
    return not _SENTENCE_END.search(prev)


def layout(raws: list[RawLine]) -> None:
    """Mark separators, footnote blocks, page numbers and page breaks in place."""
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
    _trailing_blocks(raws)
    # lone page numbers: next to other furniture; set apart by blank lines; or (in a document
    # with page breaks or footnote rules) opening or closing it
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


def _trailing_blocks(raws: list[RawLine]) -> None:
    """Footnote blocks with no separator line (common in PDF text): the numbered lines at the end
    of a page whose numbers the page's body cites, in order."""
    bounds = [k for k, r in enumerate(raws) if r.kind == PAGEBREAK]
    if not bounds:
        return
    starts = [0] + [b + 1 for b in bounds]
    ends = bounds + [len(raws)]
    last_note = 0
    for s, e in zip(starts, ends, strict=True):
        page = range(s, e)
        if any(raws[k].kind in (SEPARATOR, NOTE) for k in page):
            last_note = max([raws[k].note or 0 for k in page] + [last_note])
            continue
        body = [k for k in page if raws[k].kind == BODY and not PAGE_NUMBER.match(raws[k].text)]
        best: list[tuple[int, int, int]] | None = None
        for first in body:
            start = _note_start(raws[first].text, last_note + 1)
            if start is None:
                continue
            notes = [(first, start[0], start[1])]
            expected = start[0] + 1
            ok = True
            for k in body[body.index(first) + 1:]:
                nxt = _note_start(raws[k].text, expected)
                if nxt is not None:
                    notes.append((k, nxt[0], nxt[1]))
                    expected += 1
                elif not _continues_note(raws[k - 1].text, raws[k].text, raws[notes[-1][0]].text):
                    ok = False
                    break
            if not ok:
                continue
            # every number must be cited above, as a marker is (glued to a word or bracket), and
            # the block must be the smaller part of the page
            cited_text = " ".join(raws[k].text for k in body if k < first)
            cited = all(re.search(rf"(?<=[^\s\d]){n}(?!\d)", cited_text) for _, n, _ in notes)
            block = sum(1 for k in body if k >= first)
            if cited and block * 2 <= len(body):
                best = notes
                break
        if best is None:
            continue
        first = best[0][0]
        for k in body:
            if k >= first:
                raws[k].kind = NOTE
        for k, num, off in best:
            raws[k].note, raws[k].body_start = num, off
        last_note = best[-1][1]
