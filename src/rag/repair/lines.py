"""The lines of an extracted text as the reflow reads them, before their kinds are known: how
wide each is on the page, how wide a full printed line is, and a line's neighbours with the
FILLER lines (text already moved onto another line) passed over."""

from __future__ import annotations

import re
import unicodedata

from rag.repair.layout import FILLER
from rag.thai.chars import DIGITS, FOLLOW_VOWELS, LAKKHANGYAO, MARKS

CONTINUES = frozenset(MARKS + FOLLOW_VOWELS + LAKKHANGYAO)
LONE_NUMBER = re.compile(r"^[1-9][0-9]{0,2}$")
# A line's last character after which a number glued to it reads as a marker (not a digit, a
# space or a number's punctuation)
GLUES_MARKER = re.compile(r"[^\s\d.,:;/\-–]$")
_DIGIT_RUN = re.compile(f"[{DIGITS}]+")
# The two pieces of a line cut at its marker make one printed line: together about as wide as a
# full line (the cut is inside a paragraph, whose lines run to the margin); a piece that opens
# with the space that followed the marker may belong to a shorter last line.
CUT_LINE_MIN = 0.8
CUT_LINE_MAX = 1.15
# A full line this short is a column's: two columns of Thai at 14-18 pt give 22-33 characters
# a line (21-31 with spaces left out), a page-wide line 43 or more (37 with spaces left out)
# even at 18 pt (A4 and Letter, 1.5-3 cm margins; the generated sets of three producers).
# Columns of smaller type (10 pt LaTeX) pass it and are read as pages.
COLUMN_MEASURE = 38


# A bold face of LibreOffice's PDFs maps SARA AM's tail to `!` (`แม่น้ำ!าอะเมซอน`, which the glyph
# repair reads as `แม่น้ำอะเมซอน`): cut there, the rest opens with it.
_BOLD_AM_TAIL = "!\u0e32"


def starts_inside_word(line: str) -> bool:
    """The line opens with a mark or a following vowel (or a bold SARA AM's stray tail): it was
    cut off the line before it."""
    return line[:1] in CONTINUES or line.startswith(_BOLD_AM_TAIL)


def has_text(text: str) -> bool:
    """A letter or a digit: a line of marks or white space alone holds none."""
    return any(ch.isalnum() for ch in text)


def marks_only(text: str) -> bool:
    """A line of Thai marks alone (vowels above or below, tones), no letter to sit on."""
    return bool(text.strip()) and all(c in MARKS or c.isspace() for c in text)


def line_width(text: str) -> int:
    """Characters that take room on the line (Thai marks stack on their letter)."""
    return sum(1 for ch in text.strip() if unicodedata.category(ch) != "Mn")


def full_width(texts: list[str], kinds: list[str]) -> float:
    """A full printed line: the upper quartile of the text lines' widths."""
    widths = sorted(line_width(t) for t, k in zip(texts, kinds, strict=True) if not k and t.strip())
    return float(widths[(3 * len(widths)) // 4]) if widths else 0.0


def is_blank(texts: list[str], kinds: list[str], i: int) -> bool:
    return 0 <= i < len(texts) and not kinds[i] and not texts[i].strip()


def is_text(texts: list[str], kinds: list[str], i: int) -> bool:
    return 0 <= i < len(texts) and not kinds[i] and bool(texts[i].strip())


def prev_line(kinds: list[str], i: int) -> int:
    j = i - 1
    while j >= 0 and kinds[j] == FILLER:
        j -= 1
    return j


def next_line(texts: list[str], kinds: list[str], i: int) -> int:
    j = i + 1
    while j < len(texts) and kinds[j] == FILLER:
        j += 1
    return j


def next_text(texts: list[str], kinds: list[str], i: int) -> str | None:
    """The text of the line after line i, FILLER lines passed over (None: none, or not text)."""
    j = i + 1
    while j < len(texts) and kinds[j] == FILLER:
        j += 1
    return texts[j] if j < len(texts) and not kinds[j] else None


def head_key(text: str) -> str:
    """A line as it repeats on every page (`Page 2`, `Page 3`: its numbers left out)."""
    return _DIGIT_RUN.sub("", text).strip()
