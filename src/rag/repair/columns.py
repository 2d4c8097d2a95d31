"""Two-column pages in pdftotext's text: put back together the two columns that it interleaves.

pdftotext (no `-layout`) reads a page by the height of its lines: where the two columns of a
page have lines at the same heights, it writes them one from each column in turn, every line
set off by blank lines as a text block of its own (`left 1`, ``, `right 1`, ``, `left 2`, …),
and a stretch that only one column has at that height (next to the other's heading or
paragraph gap) as one block of several lines. In such a run of one-line blocks, every other
block is the same column's next line: the run reads as the odd blocks, then the even ones.

One-column text has no such runs: its paragraphs are blocks of several lines, and the pieces
that pdftotext cuts from a justified line at its wide spaces are short, not whole lines.
pdfminer.six sets every line off by a blank line (blank lines say nothing there, and it does
not alternate line by line), so the rule is not applied to text with that habit.

Which stretch of a run belongs to the left column and where the multi-line blocks go between
runs is not decided here: the text alone does not say it.
"""

from __future__ import annotations

import re
import unicodedata

from rag.repair.layout import FILLER
from rag.thai.chars import FOLLOW_VOWELS, LAKKHANGYAO, MARKS

# A line that opens with a number or a chapter word and a number heads a section or a list item.
NUMBERED_LINE = re.compile(r"\s*(?:(?:บทที่|ส่วนที่|ภาคที่|ตอนที่|ข้อ|Chapter|Part|Section)\s*[0-9๐-๙]+|[0-9๐-๙]+(?:\.[0-9๐-๙]+)*[.)])\s", re.I)
# A block of a two-column run is one whole printed line of its column: at least this share of a
# full line (justified column lines run to the margin; a paragraph's last line may be shorter
# and ends the run). The pieces pdftotext cuts from a justified line are shorter.
_WHOLE_LINE = 0.6
# Runs shorter than this are left alone: two or three one-line blocks in a row occur in
# one-column text too (short one-line paragraphs).
_MIN_RUN = 4


def _width(text: str) -> int:
    """Letters that take room on the line (Thai marks stack on their letter; spaces are left
    out, pdftotext spelling some justified lines out letter by letter: `ร ับ ก า ร`)."""
    return sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch) != "Mn")


# pdfminer.six sets every line off (each is a text box of its own), a mark it cut off its line
# too (`วันท ี`, ``, `่ 4 พฤษภาคม`): there a line set off alone says nothing about columns.
# pdftotext writes a cut mark right under its line. Measured: 93-100 % of the mark lines come
# after a blank line in pdfminer.six's text, 0-8 % in pdftotext's.
_MARKS_SET_OFF = 0.5
_MIN_MARK_LINES = 5
_CUT = frozenset(MARKS + FOLLOW_VOWELS + LAKKHANGYAO)


def boxes_every_line(texts: list[str]) -> bool:
    """The extractor wrote every text box apart, cut marks too (pdfminer.six): most lines that
    open with a mark come after a blank line. Asked of the lines as they came in."""
    after_blank = direct = 0
    for i in range(1, len(texts)):
        if texts[i].lstrip("\f")[:1] in _CUT:
            if texts[i - 1].strip():
                direct += 1
            else:
                after_blank += 1
    return after_blank >= _MIN_MARK_LINES and after_blank > _MARKS_SET_OFF * (after_blank + direct)


class _Page:
    """The lines with what the reading so far left of them: `blank[i]` the input line was blank
    (it may be FILLER now, pdfminer.six's habit having been read)."""

    def __init__(self, texts: list[str], kinds: list[str], blank: list[bool]) -> None:
        self.texts, self.kinds, self.blank = texts, kinds, blank

    def text(self, i: int) -> bool:
        return not self.kinds[i] and bool(self.texts[i].strip())

    def passed(self, i: int) -> bool:
        """A line that the reading emptied (a mark that went back onto the line above)."""
        return self.kinds[i] == FILLER and not self.blank[i]

    def gap(self, i: int) -> bool:
        return self.blank[i] and (self.kinds[i] == FILLER or not self.kinds[i])

    def set_off(self, i: int) -> bool:
        """Line i is a block of one line: a blank line (or the text's edge) above and below it."""
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(self.texts) and self.passed(j):
                j += step
            if 0 <= j < len(self.texts) and self.text(j):
                return False
        return True

    def next_block(self, i: int) -> int | None:
        """The next text line after line i when only blank lines part them (no page break)."""
        j = i + 1
        gap = False
        while j < len(self.texts) and (self.passed(j) or self.gap(j)):
            gap = gap or self.gap(j)
            j += 1
        return j if j < len(self.texts) and gap and self.text(j) else None


def deinterleave_runs(texts: list[str], kinds: list[str], blank: list[bool]) -> int:
    """Runs of `_MIN_RUN` or more one-line blocks in a row, each a whole printed line, are two
    columns' lines in turn: their texts are laid back in the run's lines as the odd blocks, then
    the even ones (each input line keeps its place; the texts move between them). `blank`: the
    input line was blank. Not for text that `boxes_every_line`. Returns how many runs were read
    apart."""
    page = _Page(texts, kinds, blank)
    widths = sorted(_width(texts[i]) for i in range(len(texts)) if page.text(i))
    full = widths[(3 * len(widths)) // 4] if widths else 0
    runs = 0
    i = 0
    while i < len(texts):
        run: list[int] = []
        j: int | None = i
        # (a numbered heading, in larger type, is off the columns' line grid: it ends a run)
        while j is not None and page.text(j) and page.set_off(j) and _width(texts[j]) >= _WHOLE_LINE * full \
                and not NUMBERED_LINE.match(texts[j]):
            run.append(j)
            j = page.next_block(j)
        if len(run) >= _MIN_RUN:
            moved = [texts[k] for k in run[0::2] + run[1::2]]
            for k, t in zip(run, moved, strict=True):
                texts[k] = t
            runs += 1
            i = run[-1] + 1
        else:
            i += 1
    return runs
