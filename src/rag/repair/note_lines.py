"""What a footnote's line looks like in text from any extractor, read the same way at a
page's foot (``note_blocks``) and at a column's (``column_notes``): a note's number opening
a line, a reference closing one, a URL, type smaller than the body's, a number cited above
as a marker is."""

from __future__ import annotations

import re
import unicodedata

from rag.repair.layout import LONE_NUMBER, RawLine, glued_note_start

URL_START = re.compile(r"^\s*(?:https?://|www\.)")
# How a reference closes a note: a page, a page range or a year and a full stop (`หน้า 79–279.`,
# `(2016).`); Thai running text ends its sentences with a space, not a full stop.
_REFERENCE_END = re.compile(r"[\d)] ?\.\s*$")
# How a note's last line ends: a full stop, a bracket, or a URL's last piece (`church.2013`; a
# URL cut after a slash, `presidential-actions/2025/01/`, may go on)
NOTE_ENDED = re.compile(r"[.)]\s*$|\S[./]\S*[^\s/\-–]\s*$")
# A reference's date field closing a line: `(2025 , February 12) .`, `(2024).`, `(n.d.).`
_DATE_FIELD = r"\(\s*(?:\d{4}|n\.d\.)[^()]{0,30}\)"
_DATE_FIELD_END = re.compile(_DATE_FIELD + r"\s*\.\s*$")
# ... and opening one, after its author on the line above (`(2560)`, `(2020, October 4).`)
_DATE_FIELD_START = re.compile(r"^\s*" + _DATE_FIELD + r"\s*[.,]?(?:\s|$)")
URL = re.compile(r"https?://|www\.|doi\.org")
# A reference's field closed by a full stop before the next one (`กรมส่งเสริมการค้าระหว่างประเทศ. `,
# `(2549). `, `Affairs. `): after a word or a bracket, not an abbreviation's stop (`พ.ศ. `, `Y. `)
_FIELD_STOP = re.compile(r"(?:[^\s.]{2,}|\))\.\s|\(\d{4}|,\s*“|,”")
_SOURCE = re.compile(r"https?://|www\.|doi\.org|\(\d{4}|\bn\.d\.|\bIbid\b|อ้างแล้ว|\bpp?\. ?\d|หน้า \d"
                     r"|\([^()]{2,40}:\s[^()]{2,60},\s*\d{4}\)")  # Chicago's imprint: `(Bangkok: Silkworm Books, 2003)`
# A wrapped note line is set in smaller type than the body, so it holds more characters than a
# full body line; this much more, at least, as a share of the body's full line.
NOTE_WIDER = 1.05
_MAX_NOTE_GAP = 3  # how far the first note's number may skip notes the layout did not find
# A line this short (of the body's full line) ends its note where it ends with a stop, or where
# the next note opens the line after it (``column_notes``)
ENDED_SHORT = 0.8
# Digits before a month's name: a day, or a day and a marker glued to it (`274 มกราคม`)
_BEFORE_MONTH = re.compile(
    r"(?<![\d,.])(\d{2,4})\s*(?:มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|"
    r"พฤศจิกายน|ธันวาคม|January|February|March|April|May|June|July|August|September|October|November|December)")
Block = list[tuple[int, int, int]]  # each note's first line, number and text offset


def display_width(text: str) -> int:
    """Characters that take room on the line (Thai marks stack on their letter)."""
    return sum(1 for ch in text.strip() if unicodedata.category(ch) != "Mn")


def cited_above(texts: list[str], n: int) -> bool:
    """Number n stands in the text above as a marker would: glued to the end of a word, a
    bracket, a year (`ปี 20354`: 2035 and note 4; a count runs to five digits with a comma) or
    a day before its month (`274 มกราคม`), not to a dash, on a line of its own (a superscript
    that the extractor set apart), or after a word with one space before it and two after
    (`นิวเคลียร์ 4  และ`: pypdf's LibreOffice superscript; a count in running text has one space
    each side)."""
    pattern = re.compile(rf"(?<![\d,.]){n}(?![\d,.])")
    after_year = re.compile(rf"(?<![\d,.])(?:1[5-9]|2[05])\d\d{n}(?![\d,.])")
    for t in texts:
        if after_year.search(t) or any(_after_day(m.group(1), n) for m in _BEFORE_MONTH.finditer(t)):
            return True
        for m in pattern.finditer(t):
            before = t[:m.start()]
            if not before.strip() and not t[m.end():].strip():
                return True  # a lone number line
            if before and not before[-1].isspace() and before[-1] not in "-–—":
                return True  # (not after a dash: a page's number, `-1-`, or a range, `1620–21`)
            last = before.rstrip()[-1:]
            if before.endswith(" ") and (last.isalpha() or unicodedata.category(last or "0") == "Mn") \
                    and t[m.end():].startswith("  "):
                return True  # set apart as pypdf sets LibreOffice's raised number (`นิวเคลียร์ 4  และ`)
    return False


def _after_day(digits: str, n: int) -> bool:
    """``digits`` set before a month's name are a day and marker n (`274 มกราคม`: the 27th and
    note 4) where they cannot be a day themselves."""
    day = digits[:-len(str(n))]
    return int(digits) > 31 and digits.endswith(str(n)) and day.isdigit() and 1 <= int(day) <= 31


def in_sequence(n: int, last_note: int) -> bool:
    """Whether a block's first note may be numbered ``n`` after note ``last_note``: the next, a
    few past it (notes the layout did not find), or 1 (numbering that restarts)."""
    return last_note < n <= last_note + 1 + _MAX_NOTE_GAP or n == 1


def note_start(raws: list[RawLine], body: list[int], at: int) -> tuple[int, int] | None:
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


def wider_than_body(text: str, full: float) -> bool:
    """Wider than the body's full line ``full``: a note line in its smaller type."""
    return display_width(text) >= NOTE_WIDER * full


def note_evidence(text: str, full: float) -> bool:
    return wider_than_body(text, full) or closes_reference(text) or bool(URL.search(text))


def cites_a_source(text: str) -> bool:
    """What a reference holds and running text hardly does: a URL or DOI, a year in brackets
    (`(2016`, `(2558)`), `n.d.`, Ibid. or อ้างแล้ว, a page (`p. 94`, `pp. 3`, `หน้า 16`), a
    book's place, publisher and year in brackets."""
    return bool(_SOURCE.search(text))


def closes_a_field(text: str) -> bool:
    """The line closes one of a reference's fields with a full stop and goes on (`_FIELD_STOP`);
    Thai running text ends its sentences with a space, and its stops are abbreviations'."""
    return bool(_FIELD_STOP.search(text))


def closes_reference(text: str) -> bool:
    return bool(_REFERENCE_END.search(text))


def ends_on_date(text: str) -> bool:
    """The line closes a reference's date field (`The White House. (2025 , February 12) .`,
    `Csernatoni, R. (2024).`): the reference's title is still to come."""
    return bool(_DATE_FIELD_END.search(text))


def opens_on_date(text: str) -> bool:
    """The line opens with a reference's date field (`(2560)`, `(2020, October 4).`): the rest
    of a reference whose author stands on the line above, never a note's first line."""
    return bool(_DATE_FIELD_START.match(text))


def runs_on_range(text: str) -> bool:
    """A line that ends in a dash: a page range cut there (`220–` + `307`)."""
    return text.rstrip().endswith(("–", "-"))


def runs_on_url(text: str) -> bool:
    """A line cut inside a URL or a page range ends where the text allowed, not at the margin."""
    return runs_on_range(text) or bool(re.search(r"https?://\S*$", text.rstrip()))
