"""Page furniture: running headers and footers and printed page numbers, taken off the text.

Only the few lines at a page's top and bottom can be furniture. A running header is a line that
comes back at the same height on several pages, its numbers either constant or counting with
the page; a lone number there is a page number when the pages agree on its offset from the
physical page. The printed numbers are what a citation must name (a journal's pages start at
123), so they come back as the page numbers of everything on the page.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from rag.document.pdf.lines import Line

_EDGE_LINES = 2  # lines at the very top/bottom of a page that may be running headers/footers
_FURNITURE_Y = 6.0  # points: a running header recurs within this vertical distance

_PAGE_NUMBER = re.compile(  # "12", "- 12 -", "[12]", "หน้า 12", "Page 12 of 40", "12/40"
    r"^(?:(?:page|p\.|หน้า(?:ที่)?)\s*)?[-–—(\[]?\s*(\d{1,4})\s*[-–—)\]]?"
    r"(?:\s*(?:/|of|จาก)\s*\d{1,4})?$", re.I)


def _furniture_key(text: str) -> str:
    """A line's text with its numbers and spaces ignored: what a running header repeats."""
    return re.sub(r"\d+", "#", "".join(text.split())).lower()


def strip_furniture(pages: list[list[Line]]) -> list[int | None]:
    """Remove running headers/footers and page numbers from the page-wide lines (in place) and
    return the number printed on each page (None where none is). Candidates are the few lines
    at the top and bottom of a page. One is a running header when its text, digits aside,
    recurs at the same height on another page; a lone number at the very top or bottom is a
    page number when other pages agree on the offset from the physical page (or the document
    has a single page and the number stands well apart from the text)."""
    cands: list[tuple[int, Line]] = []
    for p, lines in enumerate(pages):
        ordered = sorted(lines, key=lambda ln: -ln.baseline)
        edge = ordered[:_EDGE_LINES] + ordered[-_EDGE_LINES:]
        cands.extend((p, ln) for ln in dict.fromkeys(edge))
    groups: dict[str, list[tuple[int, Line]]] = defaultdict(list)
    for p, ln in cands:
        groups[_furniture_key(ln.text)].append((p, ln))
    furniture: set[int] = set()
    numbers: dict[int, list[int]] = defaultdict(list)
    lone: list[tuple[int, Line, int]] = []
    repeats = 2 if len(pages) <= 4 else 3  # a footnote's URL can end two pages the same way
    for key, items in groups.items():
        for p, ln in items:
            m = _PAGE_NUMBER.match(ln.text.strip())
            if m and _is_outermost(ln, pages[p]):
                lone.append((p, ln, int(m.group(1))))
                continue
            peers = [(q, o) for q, o in items if abs(o.baseline - ln.baseline) <= _FURNITURE_Y]
            if len(key) <= 120 and len({q for q, _ in peers}) >= repeats and _running_numbers(peers):
                furniture.add(id(ln))
                numbers[p].extend(int(n) for n in re.findall(r"\d{1,4}", ln.text))
    votes = Counter(n - p for p, _, n in lone)
    for p, ln, n in lone:
        apart = len(pages) == 1 and _clearance(ln, pages[p]) >= 2.5 * ln.size
        if votes[n - p] >= 2 or apart:
            furniture.add(id(ln))
            numbers[p].append(n)
    for p in range(len(pages)):
        pages[p] = [ln for ln in pages[p] if id(ln) not in furniture]
    return _printed_numbers(numbers, len(pages))


def _running_numbers(items: list[tuple[int, Line]]) -> bool:
    """Whether the numbers in lines that read alike from page to page behave like a running
    header's: each either stays the same or goes up with the page (a page number). Notes
    that happen to read alike ("Ibid., p. 77") carry numbers that do neither."""
    rows = [(p, [int(n) for n in re.findall(r"\d+", ln.text)]) for p, ln in items]
    if len({len(ns) for _, ns in rows}) != 1:
        return False
    for k in range(len(rows[0][1])):
        values = {ns[k] for _, ns in rows}
        offsets = {ns[k] - p for p, ns in rows}
        if len(values) > 1 and len(offsets) > 1:
            return False
    return True


def _is_outermost(line: Line, lines: list[Line]) -> bool:
    """The page's first or last line."""
    baselines = [ln.baseline for ln in lines]
    return line.baseline >= max(baselines) or line.baseline <= min(baselines)


def _clearance(line: Line, lines: list[Line]) -> float:
    """Vertical distance from the line to the nearest other line of its page."""
    return min((abs(ln.baseline - line.baseline) for ln in lines if ln is not line), default=0.0)


def _printed_numbers(numbers: dict[int, list[int]], n_pages: int) -> list[int | None]:
    """Each page's printed number: the offset (printed - physical) most furniture numbers agree
    on, applied to the pages that print one."""
    votes = Counter(n - p for p, ns in numbers.items() for n in set(ns))
    if not votes:
        return [None] * n_pages
    offset, count = votes.most_common(1)[0]
    if count < 2 and n_pages > 1:
        return [None] * n_pages
    return [p + offset if p + offset in numbers.get(p, []) else None for p in range(n_pages)]


def page_numbers(printed: list[int | None]) -> list[int]:
    """Printed numbers where pages show them and the sequence they set around them; pages the
    sequence would number below 1 (front matter) and documents without page numbers count
    1..N."""
    known = [(p, n) for p, n in enumerate(printed) if n is not None]
    if not known:
        return list(range(1, len(printed) + 1))
    p0, n0 = known[0]
    return [n0 + (p - p0) if n0 + (p - p0) >= 1 else p + 1 for p in range(len(printed))]
