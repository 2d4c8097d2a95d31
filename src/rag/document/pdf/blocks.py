"""Headings and paragraphs: the document's body style, then its lines grouped into blocks.

The body style is measured, never assumed: the size and weight most text is set in, the usual
line pitch, each column's margin and right edge, and how this document marks a new paragraph
(an indent, extra space, or a justified line that stops short). A heading is a short line set
larger or bolder than the body that does not read as a sentence. A paragraph runs on across
lines, columns and pages until one of the document's own paragraph marks, or a line that ends
although the next line's first word would have fitted, says it ended.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rag.document.headings import BULLETS
from rag.document.hyphens import Hyphens
from rag.document.pdf.lines import WORD_GAP, Line, Page, dominant_size, line_join

_HEADING_SIZE = 1.1  # a line this much larger than the body text looks like a heading
HEADING_MAX_CHARS = 160  # a heading is short
_INDENT = 0.8  # a line starting this far (em) right of its column's margin starts a paragraph
_PARA_GAP = 0.15  # least extra baseline distance (em) above the body pitch between paragraphs
# A list item opens with a bullet or a number (`•`, `-`, `1.`, `(2)`, `๓)`, `ก.`, not the
# abbreviation `พ.ศ.`): set in from the margin by the list's indent, it tells nothing of how the
# document opens its paragraphs.
_LIST_ITEM = re.compile(rf"\s*(?:[{BULLETS}*\-–—]|\(?[0-9๐-๙]{{1,2}}[.)]|\(?[ก-ฮ][.)](?![ก-ฮ]\.))")


@dataclass
class Measures:
    """How this document sets its running text, measured once over all its pages."""

    body_size: float
    body_bold: bool
    pitch: float  # usual baseline distance between body lines
    margins: dict[int, float]  # column -> usual line start
    rights: dict[int, float]  # column -> usual line end
    uses_indent: bool  # paragraphs open with an indented line
    uses_spacing: bool  # paragraphs are set apart by extra space
    justified: bool  # lines with word spaces are stretched to the right edge
    para_gap: float  # extra line distance (points) that separates paragraphs


def measure(pages: list[Page]) -> Measures:
    """The document's body text style: size, weight, line pitch, each column's margin and right
    edge, and how it marks paragraphs (indent, spacing, justified lines). Only running text
    counts: lines in the body size and weight."""
    glyphs = [g for p in pages for ln in p.lines for g in ln.glyphs if not g.space]
    body_size = dominant_size(glyphs) or 12.0
    body_bold = sum(g.bold for g in glyphs) > 0.5 * max(len(glyphs), 1)

    def is_body(ln: Line) -> bool:
        return abs(ln.size - body_size) < 0.1 * body_size and ln.bold == body_bold

    body = [ln for p in pages for ln in p.lines if is_body(ln)]
    pairs = [(a, b) for a, b in _successive(pages, is_body) if 0.8 * body_size < _gap(a, b) < 3 * body_size]
    # Chromium sets a line with a superscript a little lower: such pairs do not set the pitch.
    plain = [(a, b) for a, b in pairs if not _has_sup(a) and not _has_sup(b)]
    pitch = float(_mode_cluster(Counter(round(_gap(a, b)) for a, b in plain))) if plain else 1.2 * body_size
    margins: dict[int, float] = {}
    rights: dict[int, float] = {}
    for col in {ln.col for ln in body}:
        margins[col] = _mode_cluster(Counter(round(ln.x0) for ln in body if ln.col == col))
        ends = Counter(round(ln.x1) for ln in body if ln.col == col)
        rights[col] = _mode_cluster(ends) if len(ends) >= 3 else float(max(ends))
    # Indented paragraph starts: lines that start right of the margin by one recurring amount,
    # the paragraph going on under them at the margin (not a list's items, set in line after
    # line, nor one whose bullet the producer drew as a shape).
    offsets = Counter(round((a.x0 - margins[a.col]) / 2) for a, b in pairs
                      if _INDENT * body_size <= a.x0 - margins[a.col] <= 8 * body_size
                      and abs(b.x0 - margins[b.col]) < _INDENT * body_size and _gap(a, b) < 1.5 * pitch
                      and not _LIST_ITEM.match(a.text))
    indent = offsets.most_common(1)[0][1] if offsets else 0
    spaced = [ln for ln in body if _has_word_gap(ln)]
    at_edge = sum(1 for ln in spaced if abs(ln.x1 - rights[ln.col]) <= 1.5)
    # How much line distances vary inside paragraphs (after a full line): Chromium sets some
    # lines a few points lower; paragraph spacing must stand out from that.
    inside = sorted(_gap(a, b) - pitch for a, b in pairs if a.x1 >= rights[a.col] - 0.5 * body_size)
    noise = inside[int(0.95 * (len(inside) - 1))] if inside else 0.0
    # ... but a paragraph's last line can run as far as a full one (ragged text, short
    # paragraphs): the variation ends where the distances jump by more than 0.3 em
    jumps = [a for a, b in zip(inside, inside[1:], strict=False) if b - a > 0.3 * body_size and a < noise]
    if jumps:
        noise = jumps[0]
    para_gap = max(_PARA_GAP * body_size, noise + 0.1 * body_size)
    m = Measures(body_size, body_bold, pitch, margins, rights,
                  uses_indent=indent >= max(2, 0.03 * len(body)),
                  uses_spacing=sum(1 for a, b in pairs if _gap(a, b) > pitch + para_gap) >= 2,
                  justified=bool(spaced) and at_edge >= 0.6 * len(spaced), para_gap=para_gap)
    if not m.justified:  # ragged lines: the right edge is where the longest lines reach
        for col in m.rights:
            ends = sorted(ln.x1 for ln in body if ln.col == col)
            m.rights[col] = ends[int(0.9 * (len(ends) - 1))]
    return m


def _successive(pages: list[Page], keep) -> Iterable[tuple[Line, Line]]:
    """Consecutive kept lines of one column of one page."""
    for p in pages:
        col_lines: dict[int, list[Line]] = defaultdict(list)
        for ln in p.lines:
            if keep(ln):
                col_lines[ln.col].append(ln)
        for cl in col_lines.values():
            yield from zip(cl, cl[1:], strict=False)


def _has_sup(line: Line) -> bool:
    return any(g.sup for g in line.glyphs)


def _gap(prev: Line, line: Line) -> float:
    return prev.baseline - line.baseline


def _mode_cluster(values: Counter[int]) -> float:
    """The most common value, counting values within a point of it (justified lines end a
    fraction of a point apart)."""
    best, score = 0, -1
    for v in values:
        s = values[v] + values.get(v - 1, 0) + values.get(v + 1, 0)
        if s > score:
            best, score = v, s
    return float(best)


@dataclass(eq=False)
class Block:
    """A heading or a paragraph: its lines in reading order, across columns and pages."""

    kind: str  # "heading" or "para"
    lines: list[Line]
    page_breaks: list[int] = field(default_factory=list)  # indices in lines where a page starts


def _is_heading_line(line: Line, m: Measures) -> bool:
    """Short, set larger or bolder than the body, and not ending like a sentence (a final
    period after a short token, as in an abbreviation or a numbered heading, is allowed)."""
    text = line.text.strip()
    if not text or len(text) > HEADING_MAX_CHARS:
        return False
    larger = line.size >= _HEADING_SIZE * m.body_size
    bolder = line.bold and not m.body_bold
    if not (larger or bolder):
        return False
    return not (text.endswith(".") and not re.search(r"(?:^|\s|\.)\S{1,3}\.$", text))


def group_blocks(lines: list[Line], m: Measures) -> list[Block]:
    """Group the body lines (reading order, all pages) into headings and paragraphs."""
    blocks: list[Block] = []
    prev: Line | None = None
    for i, ln in enumerate(lines):
        heading = _is_heading_line(ln, m) and not _heads_a_table(ln, lines[i + 1:i + 3], m)
        kind = "heading" if heading else "para"
        cur = blocks[-1] if blocks else None
        if cur is not None and prev is not None and cur.kind == kind and _continues(prev, ln, kind, m):
            if ln.page != prev.page:
                cur.page_breaks.append(len(cur.lines))
            cur.lines.append(ln)
        else:
            blocks.append(Block(kind=kind, lines=[ln]))
        prev = ln
    return _demote_long_headings(blocks)


def _piece_starts(line: Line, gap: float) -> list[float]:
    """Where the line's pieces start after a gap wider than ``gap`` points: its words (a fifth
    of its size), or a table's cells, set apart in their columns (the body's em)."""
    ink = sorted((g for g in line.glyphs if not g.space and not g.sup), key=lambda g: g.x0)
    return [b.x0 for a, b in zip(ink, ink[1:], strict=False) if b.x0 - max(a.x1, a.end) > gap]


def _heads_a_table(line: Line, below: Sequence[Line], m: Measures) -> bool:
    """A bold line over two rows whose cells start where its own words do, two columns or more:
    a table's header row, not a heading (`ประเทศ  ส่งออก (ล้านบาท)  นำเข้า (ล้านบาท)` over
    `จีน  1,234,567  2,345,678`)."""
    starts = _piece_starts(line, 0.2 * line.size)
    if len(below) < 2 or len(starts) < 2:
        return False
    return all(sum(1 for c in _piece_starts(row, m.body_size) if any(abs(c - x) <= 3 for x in starts)) >= 2
               for row in below)


def _continues(prev: Line, ln: Line, kind: str, m: Measures) -> bool:
    """Whether `ln` goes on with the block that `prev` ended."""
    em = m.body_size
    same_flow = prev.page == ln.page and prev.col == ln.col and prev.baseline > ln.baseline
    if kind == "heading":
        alike = abs(prev.size - ln.size) < 0.05 * ln.size and prev.bold == ln.bold
        if prev.page != ln.page or prev.col != ln.col:
            # A heading that wraps in a narrow column can be cut by the column or page break:
            # producers keep a heading with the text after it, so a heading line that ends a
            # column is followed by the rest of that heading, or by its text.
            return alike
        # a heading's lines follow at the body's line pitch, scaled to the heading's size
        pitch = max(1.6 * ln.size, 1.35 * m.pitch * ln.size / em)
        return same_flow and alike and prev.baseline - ln.baseline <= pitch
    margin = m.margins.get(ln.col, ln.x0)
    indented = ln.x0 - margin >= _INDENT * em
    if indented or abs(ln.size - prev.size) > 0.1 * em:
        return False
    if _LIST_ITEM.match(ln.text) and _would_fit(prev, ln, m):
        return False  # the next item of a list: its bullet or number would have fitted above
    if same_flow:
        # Extra space starts a paragraph when it is large, or (not where paragraphs are
        # indented) when it follows a line that stops short: line distances vary by a few
        # points inside paragraphs too (a superscript, a taller glyph).
        extra = _gap(prev, ln) * em / ln.size - m.pitch
        short = prev.x1 < m.rights.get(prev.col, prev.x1) - 0.5 * em
        if extra > max(em if m.uses_indent else 0.6 * em, 2 * m.para_gap) or (
                not m.uses_indent and short and extra > m.para_gap):
            return False
        return m.uses_indent or m.uses_spacing or not _ends_paragraph(prev, ln, m)
    # A column or page break: where paragraphs open indented, an unindented line goes on with
    # the paragraph.
    return m.uses_indent or not _ends_paragraph(prev, ln, m)


def _ends_paragraph(prev: Line, ln: Line, m: Measures) -> bool:
    """Where nothing else marks paragraphs: in justified text a line that has word spaces to
    stretch but stops short ends its paragraph (one without spaces cannot be stretched);
    otherwise a line ends its paragraph when the next line's first word would have fitted."""
    short = prev.x1 < m.rights.get(prev.col, prev.x1) - m.body_size
    if m.justified and short and _has_word_gap(prev):
        return True
    return _would_fit(prev, ln, m)


def _has_word_gap(line: Line) -> bool:
    """Whether the line has a word space, i.e. something justification could stretch."""
    ink = [g for g in line.glyphs if not g.sup]
    return any(b.space or b.ox - a.end > WORD_GAP * b.size for a, b in zip(ink, ink[1:], strict=False))


def _would_fit(prev: Line, ln: Line, m: Measures) -> bool:
    """Whether the first word of `ln` would have fitted at the end of `prev`: then `prev` ended
    its paragraph. (A line that merely looks short is often a Thai line the layout could not
    stretch, or ragged text; the word that did not fit is what made it short.)"""
    room = m.rights.get(prev.col, prev.x1) - prev.x1
    ink = [g for g in ln.glyphs if not g.sup]
    end = ink[0].end if ink else ln.x0
    for g in ink[1:]:
        if g.space or g.ox - end > WORD_GAP * g.size:
            break
        end = max(end, g.end)
    return room > end - ln.x0 + 0.3 * m.body_size


def _demote_long_headings(blocks: list[Block]) -> list[Block]:
    """A run of 'heading' lines longer than a heading can be is emphasised text, not a heading."""
    for b in blocks:
        if b.kind == "heading" and (len(b.lines) > 5 or len(join_lines(b.lines)[0]) > HEADING_MAX_CHARS):
            b.kind = "para"
    return blocks


def join_lines(lines: Sequence[Line], hyphens: Hyphens | None = None) -> tuple[str, list[tuple[int, int]], list[int]]:
    """Lines joined into one text (`line_join` says what goes between two lines; a word the
    typesetter broke with a hyphen is joined back, as ``hyphens`` reads the document). Returns
    the text, its markers and the offset where each line starts."""
    text = ""
    markers: list[tuple[int, int]] = []
    starts: list[int] = []
    for ln in lines:
        t = ln.text.strip()
        lead = len(ln.text) - len(ln.text.lstrip())
        if hyphens is not None and hyphens.broken_word(text, t):
            text = text.rstrip()[:-1]
            markers = [(n, min(pos, len(text))) for n, pos in markers]
        else:
            text += line_join(text, t)
        starts.append(len(text))
        markers.extend((n, len(text) + max(0, min(pos - lead, len(t)))) for n, pos in ln.markers)
        text += t
    return text, markers, starts
