"""Note numbers that `pdftotext -layout` raised onto a row of their own, put back into their line.

Layout mode writes text on a grid of columns and a row per baseline: a superscript note number
stands higher than the line it is raised over, so it gets a row of its own right above that
line, indented to its column (`      10` over `catfish; ชื่อวิทยาศาสตร์: Clarias       nieuhofii)`).
Left there it reads as a lone number between two lines of a paragraph, and the passage cites
nothing. Each number goes into the line under it at its column (where the line is shorter,
at its end), at the end of the word there (the nearest space), glued as a body marker is
(`Clarias10 nieuhofii`), for the marker rules to read. Written here because it is ours: no
extractor or library reads a text after pdftotext has laid it out.
"""

from __future__ import annotations

import re
import unicodedata

from rag.repair.layout import FILLER
from rag.repair.lines import has_text

# A row of raised numbers alone, indented to where they stood (`        10`, `   3      4`): a
# row that a paragraph's indent or a flush lone number (pdftotext's default mode, a list's
# number, a page number) does not make
_RAISED_ROW = re.compile(r"^ {4,}[1-9][0-9]{0,2}(?: +[1-9][0-9]{0,2})* *$")
_NUMBER = re.compile(r"[1-9][0-9]{0,2}")
# How far (columns) a number may stand from the word end it is moved to
_SNAP = 6


def _columns(text: str) -> list[int]:
    """The grid column each character of a layout row stands in (Thai marks stack: none)."""
    cols, col = [], 0
    for ch in text:
        cols.append(col)
        if unicodedata.category(ch) != "Mn":
            col += 1
    return cols


def _place(line: str, column: int) -> int:
    """Where in ``line`` a number raised at ``column`` goes: the line's end if it ends before the
    column or near it, the start of the run of spaces the column falls in, or the end of the
    word nearest to the column (a space after it, within `_SNAP` columns); -1 where no word
    ends near it."""
    cols = _columns(line)
    end = len(line.rstrip())
    last = cols[end - 1] + 1 if end else 0
    if column >= last - _SNAP:
        return end
    inside = next((i for i in range(end) if cols[i] == column), None)
    if inside is not None and line[inside] == " ":
        # raised over a run of spaces (a justified line's wide gap it was set in): its start
        while inside > 0 and line[inside - 1] == " ":
            inside -= 1
        if inside > 0:
            return inside
    best = None
    for i in range(1, end):
        if line[i] == " " and line[i - 1] != " " and abs(cols[i] - column) <= _SNAP:
            if best is None or abs(cols[i] - column) < abs(cols[best] - column):
                best = i
    return best if best is not None else -1


def place_raised_numbers(texts: list[str], kinds: list[str], opens_page: list[bool]) -> int:
    """Put each row of raised note numbers back into the line right under it (see the module
    doc): rows between two lines of text on one page. Returns how many rows were placed."""
    placed = 0
    for i in range(1, len(texts) - 1):
        row, below = texts[i], texts[i + 1]
        if kinds[i] or not _RAISED_ROW.match(row) or kinds[i + 1] or opens_page[i + 1] or opens_page[i]:
            continue
        if not has_text(below) or _RAISED_ROW.match(below) or kinds[i - 1] or not has_text(texts[i - 1]):
            continue
        numbers = [(m.group(), m.start()) for m in _NUMBER.finditer(row)]
        spots = [_place(below, column) for _, column in numbers]
        if any(s < 0 for s in spots) or len(set(spots)) < len(spots):
            continue  # a number with no word end near it, or two at one: left as they came
        for (number, _), at in sorted(zip(numbers, spots, strict=True), key=lambda p: -p[1]):
            below = below[:at] + number + below[at:]
        texts[i + 1] = below
        kinds[i], texts[i] = FILLER, ""
        placed += 1
    return placed
