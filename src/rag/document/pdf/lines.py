"""Lines of a page: glyphs grouped by baseline, superscripts folded in, marks hung on their base.

A line is what shares a baseline; a small glyph raised above one (a footnote marker) belongs to
the line it is raised over, though its own baseline is higher, and counts as a superscript.
Every Thai combining mark goes onto a base glyph, chosen by the text run that drew it and, for
marks positioned on their own, by where it is drawn; none is dropped or doubled. A line's text
then has word spaces where the glyphs leave gaps (the text layer's own spaces are unreliable in
justified Thai), its superscript numbers taken out as markers at their offsets, and SARA AM in
its one-code-point spelling. Thresholds are fractions of the line's font size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from rag.document.pdf.glyphs import Glyph, is_mark, mark_rank

T = TypeVar("T")  # something ordered by its glyph
_SAME_BASELINE = 0.3  # glyph origins closer than this (em) vertically share a baseline
_SUPER_SIZE = 0.9  # a glyph this much smaller than its line ...
_SUPER_RAISE = 0.15  # ... and raised at least this much (em of the line) is a superscript
WORD_GAP = 0.2  # a horizontal gap wider than this (em) between glyphs is a word space

_THAI = re.compile(r"[\u0e01-\u0e45\u0e47-\u0e5b]")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")  # spaced by letter gaps


@dataclass(eq=False)
class Line:
    """Glyphs on one baseline (superscripts included), with the marks hung on each and, once
    composed, its text and the footnote markers taken out of it."""

    glyphs: list[Glyph]  # spacing glyphs, left to right
    baseline: float
    size: float
    page: int  # physical page index
    marks: dict[int, list[Glyph]] = field(default_factory=dict)  # glyph index -> marks on it
    col: int = 0  # column index on its page; -1 spans the columns
    text: str = ""
    markers: list[tuple[int, int]] = field(default_factory=list)  # (n, offset in text)
    lead_number: int | None = None  # number set as a superscript at the very start

    @property
    def x0(self) -> float:
        return min((g.x0 for g in self.glyphs if not g.space), default=0.0)

    @property
    def x1(self) -> float:
        return max((g.x1 for g in self.glyphs if not g.space), default=0.0)

    @property
    def top(self) -> float:
        return max((g.y1 for g in self.glyphs if not g.space), default=self.baseline)

    @property
    def bold(self) -> bool:
        chars = [g for g in self.glyphs if not g.space and not g.sup]
        return bool(chars) and sum(g.bold for g in chars) >= 0.8 * len(chars)


def dominant_size(glyphs: Iterable[Glyph]) -> float:
    """The font size most of the glyphs are set in, to half a point."""
    sizes = Counter(round(g.size * 2) / 2 for g in glyphs if not g.space)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def build_lines(glyphs: list[Glyph], page: int) -> list[Line]:
    """Group a page's spacing glyphs into page-wide lines by baseline, fold small raised glyphs
    (superscripts) into the line they sit on, then hang every mark on its line."""
    bases = sorted((g for g in glyphs if not g.mark and g.text), key=lambda g: -g.oy)
    clusters: list[list[Glyph]] = []
    ref = 0.0
    for g in bases:
        if clusters and ref - g.oy <= _SAME_BASELINE * g.size:
            clusters[-1].append(g)
        else:
            clusters.append([g])
            ref = g.oy
    lines = [_make_line(cl, page) for cl in clusters]
    lines = fold_superscripts(lines)
    _attach_marks(lines, glyphs)
    return [ln for ln in lines if any(not g.space for g in ln.glyphs)]


def _make_line(glyphs: list[Glyph], page: int) -> Line:
    """A line of the glyphs, left to right; its baseline is the median of the glyphs set in its
    main size (a superscript or a mark drawn lower must not move it)."""
    size = dominant_size(glyphs)
    body = [g.oy for g in glyphs if abs(g.size - size) < 0.5 and not g.space] or [g.oy for g in glyphs]
    body.sort()
    glyphs[:] = _left_to_right(glyphs, lambda g: g)
    return Line(glyphs=glyphs, baseline=body[len(body) // 2], size=size, page=page)


def _left_to_right(items: list[T], glyph: Callable[[T], Glyph]) -> list[T]:
    """Items in the order of their glyphs' pen positions. Glyphs drawn from one pen position
    (SARA AM drawn as a span over the consonant before it, in monospaced type) differ in origin
    by rounding only: their boxes' left edges order them."""
    items = sorted(items, key=lambda it: (glyph(it).ox, glyph(it).x0))
    out: list[T] = []
    i = 0
    while i < len(items):
        first = glyph(items[i])
        j = i + 1
        while j < len(items) and glyph(items[j]).ox - first.ox < 0.02 * max(first.size, 1.0):
            j += 1
        out.extend(sorted(items[i:j], key=lambda it: glyph(it).x0))
        i = j
    return out


def fold_superscripts(lines: list[Line]) -> list[Line]:
    """A short run of small glyphs whose baseline lies inside the next lower line's ascent is a
    run of superscripts belonging to that line (lines top to bottom, one column)."""
    out: list[Line] = []
    for i, ln in enumerate(lines):
        below = lines[i + 1] if i + 1 < len(lines) else None
        if (below is not None and _sup_like(ln) and ln.size <= _SUPER_SIZE * below.size
                and below.baseline < ln.baseline <= below.baseline + below.size
                and ln.x0 >= below.x0 - below.size and ln.x1 <= below.x1 + 3 * below.size):
            _merge_into(below, ln)
            continue
        out.append(ln)
    for ln in out:
        _mark_superscripts(ln)
    return out


def _sup_like(line: Line) -> bool:
    """A run short enough to be a superscript: a note number (or several) or a few letters,
    not a line of the other column that happens to sit just above."""
    ink = "".join(g.text for g in line.glyphs if not g.space)
    return len(ink) <= 3 or (len(ink) <= 12 and re.fullmatch(r"[\d,*†‡§\[\]()]+", ink) is not None)


def _merge_into(line: Line, extra: Line) -> None:
    """Add another line's glyphs (and the marks hung on them) to `line`, left to right."""
    items = [(g, line.marks.get(k, [])) for k, g in enumerate(line.glyphs)]
    items += [(g, extra.marks.get(k, [])) for k, g in enumerate(extra.glyphs)]
    items = _left_to_right(items, lambda it: it[0])
    line.glyphs = [g for g, _ in items]
    line.marks = {k: ms for k, (_, ms) in enumerate(items) if ms}


def _mark_superscripts(line: Line) -> None:
    for g in line.glyphs:
        g.sup = (not g.space and g.size <= _SUPER_SIZE * line.size
                 and g.oy - line.baseline >= _SUPER_RAISE * line.size)


def _attach_marks(lines: list[Line], glyphs: list[Glyph]) -> None:
    """Hang each mark on its base glyph; no mark is dropped.

    A mark that the same text run draws right after a base, on its baseline, belongs to that
    base, wherever it is drawn: LibreOffice shifts such marks by the justification space added
    to their cluster, and with some fonts (TlwgMono) draws them over the next letter, but their
    origin still lies between that base and the glyph that follows in the run. A mark positioned
    on its own (LibreOffice's reordered marks, in ActualText spans) belongs to the letter it is
    drawn over (in a gap, the one on its left). Where that is no letter (LibreOffice has drawn
    a mark at the start of the next line, or off the page), the letter drawn before it in the
    content stream is its base."""
    where: dict[int, tuple[Line, int]] = {}
    for ln in lines:
        for k, g in enumerate(ln.glyphs):
            where[id(g)] = (ln, k)
    base: Glyph | None = None
    for i, g in enumerate(glyphs):
        if not g.text:
            continue
        if not g.mark:
            if not g.space and g.text[0].isalnum():
                base = g
            continue
        before = where.get(id(base)) if base is not None else None
        target = None
        if before is not None and not g.placed and base.run == g.run:
            nxt = next((h for h in glyphs[i + 1:] if h.text and not h.mark), None)
            limit = nxt.ox if nxt is not None and abs(nxt.oy - base.oy) < 0.5 * base.size else float("inf")
            if abs(g.oy - base.oy) < 0.01 and base.ox - 0.1 * base.size <= g.ox <= limit + 0.3 * base.size:
                target = before
                g.in_run = True
        if target is None and before is not None and base.x0 - 0.2 * base.size <= g.x0 \
                and g.x1 <= base.x1 + 0.3 * base.size and abs(g.oy - base.oy) < 0.5 * base.size:
            target = before  # drawn at the letter drawn just before it (italic shifts marks)
        if target is None:
            drawn = _mark_by_position(lines, g, base)
            on_letter = drawn is not None and drawn[0].glyphs[drawn[1]].text[0].isalnum()
            target = drawn if on_letter or before is None else before
        if target is not None:
            ln, k = target
            ln.marks.setdefault(k, []).append(g)


def _mark_by_position(lines: list[Line], m: Glyph, before: Glyph | None) -> tuple[Line, int] | None:
    """The line whose baseline is nearest the mark's origin (else whose band holds its box),
    then the spacing glyph under the mark's centre. A mark drawn in a gap (justification space
    pushed it there) goes to the letter drawn before it in the stream when that letter is just
    left of the gap, else to the nearer side, the left one preferred."""
    cands = [ln for ln in lines if abs(ln.baseline - m.oy) <= 0.5 * ln.size
             and ln.x0 - ln.size <= m.cx <= ln.x1 + ln.size]
    if not cands:
        mid = (m.y0 + m.y1) / 2
        cands = [ln for ln in lines if ln.baseline - 0.5 * ln.size <= mid <= ln.baseline + 1.3 * ln.size
                 and ln.x0 - ln.size <= m.cx <= ln.x1 + ln.size]
    if not cands:
        return None
    line = min(cands, key=lambda ln: abs(ln.baseline - m.oy))
    # an italic mark above (below) its letter leans right (left) of the letter's middle
    cx = m.cx - ((m.y0 + m.y1) / 2 - line.baseline - 0.35 * line.size) * m.slant
    best, dist = -1, float("inf")
    left = -1
    for k, g in enumerate(line.glyphs):
        if g.space or g.sup:
            continue
        if g.x0 <= cx <= g.x1:
            return line, k
        if g.x1 < cx:
            left = k
        d = cx - g.x1 if g.x1 < cx else 3 * (g.x0 - cx)
        if d < dist:
            best, dist = k, d
    if left >= 0 and line.glyphs[left] is before:
        return line, left
    return (line, best) if best >= 0 else None


def _cluster_text(base: Glyph, marks: list[Glyph]) -> str:
    """A base with its marks. Marks its own text run drew after it keep their order (the
    producer's shaping kept the text's); marks gathered by position are put in canonical Thai
    order. A mark the base already carries is not added again (the text layer sometimes labels
    a glyph twice)."""
    text = base.text
    if not marks:
        return text
    head = len(text)
    while head > 0 and (is_mark(text[head - 1]) or text[head - 1] == "\u0e33"):
        head -= 1
    tail = list(text[head:])
    for m in marks:
        for ch in m.text:
            if ch not in tail:
                tail.append(ch)
    if not all(m.in_run for m in marks):
        tail.sort(key=mark_rank)
    return text[:head] + "".join(tail)


def compose_line(line: Line) -> None:
    """The line's text with word spaces from glyph gaps, and its superscript numbers taken out
    as markers at their offsets."""
    parts: list[str] = []
    markers: list[tuple[int, int]] = []
    length = 0
    pending_space = False
    prev: Glyph | None = None
    sup_digits = ""

    def flush_sup() -> None:
        nonlocal sup_digits
        if sup_digits:
            for n in re.findall(r"\d+", sup_digits):
                markers.append((int(n), length))
            sup_digits = ""

    prev_end = 0.0
    for k, g in enumerate(line.glyphs):
        if g.space:
            pending_space = True
            continue
        if (prev is not None and g.ox - prev_end > WORD_GAP * min(g.size, prev.size)
                and not (_CJK.match(g.text) and _CJK.match(prev.text[-1:]))):
            pending_space = True
        prev = g
        prev_end = max([g.end] + [m.x1 for m in line.marks.get(k, [])])
        if g.sup and re.fullmatch(r"[\d,]+", g.text):
            sup_digits += ("," if pending_space and sup_digits else "") + g.text
            pending_space = False
            continue
        flush_sup()
        text = _cluster_text(g, line.marks.get(k, []))
        if pending_space and parts:
            parts.append(" ")
            length += 1
        pending_space = False
        parts.append(text)
        length += len(text)
    flush_sup()
    text = "".join(parts)
    if markers and markers[0][1] == 0:
        line.lead_number = markers[0][0]
    line.text, line.markers = _normalize_thai(text, markers)


_AM_FIXES = (
    (re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32"), "\\1\u0e33"),  # NIKHAHIT + SARA AA = SARA AM
    (re.compile("\u0e33\u0e32"), "\u0e33"),  # SARA AM drawn as NIKHAHIT+AA, both labelled
    (re.compile("\u0e33([\u0e48-\u0e4b])"), "\\1\u0e33"),  # tone after SARA AM: it belongs before
)


def _normalize_thai(text: str, markers: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Repair the SARA AM spellings that glyph-level text produces, keeping marker offsets."""
    for pattern, repl in _AM_FIXES:
        while True:
            m = pattern.search(text)
            if not m:
                break
            new = m.expand(repl)
            delta = len(new) - (m.end() - m.start())
            text = text[: m.start()] + new + text[m.end():]
            markers = [(n, pos + delta if pos >= m.end() else pos) for n, pos in markers]
    return text, markers


@dataclass
class Page:
    """One physical page, furniture removed: its body lines and its footnote-area lines."""

    index: int  # physical page, from 0
    lines: list[Line]  # body lines in reading order
    notes: list[Line]  # footnote-area lines in reading order


def line_join(before: str, after: str) -> str:
    """What goes between the text of a line and the next one's: nothing between two Thai
    letters (Thai breaks lines between words, not at spaces) or after a dash or slash (a word
    or URL broken there), a space elsewhere."""
    if not before or not after:
        return ""
    if (_THAI.match(before[-1]) and _THAI.match(after[0])) or before[-1] in "-–—/":
        return ""
    return " "
