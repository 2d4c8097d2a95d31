"""Columns and reading order: where a page is set in columns, and the order its lines are read.

Lines are first built across the whole page, since the baselines of two columns need not match
and a superscript may sit on either. A column shows as an x in mid page where many line pieces
start, with nothing running into the gutter before it (a recurring word gap of justified text
does not stay clear across many lines). Lines in such a zone are cut at the gutter, and each
column is read to its end before the next, between the lines that span the page.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.document.pdf.lines import Line, compose_line, dominant_size, fold_superscripts


@dataclass
class Zone:
    """A stretch of a page set in columns: the gutter band and the lines it holds."""

    band: tuple[float, float]
    lines: set[int] = field(default_factory=set)  # ids of the page-wide lines in the zone


def ink_spans(line: Line) -> list[tuple[float, float]]:
    """The line's inked stretches: glyph boxes merged across gaps narrower than 0.4 em."""
    out: list[list[float]] = []
    for g in sorted((g for g in line.glyphs if not g.space), key=lambda g: g.x0):
        if out and g.x0 - out[-1][1] < 0.4 * g.size:
            out[-1][1] = max(out[-1][1], g.x1)
        else:
            out.append([g.x0, g.x1])
    return [(a, b) for a, b in out]


def column_zones(lines: list[Line], known: Sequence[tuple[float, float]] = ()) -> list[Zone]:
    """Find where the page is set in columns, from the page-wide lines (whose baselines need
    not match across columns).

    A column other than the first shows as an x, in the middle of the page, where line pieces
    start (after a gap or at the line's start) on at least three lines: its margin. A stretch of
    consecutive lines none of which has ink running into the gutter before that x is a zone
    set in columns, if at least three, and most, of its lines with ink right of the gutter start
    it right at the margin, and at least two have ink left of it (a line's first glyph may
    overhang the margin a little). A word gap of justified text can line up on a few lines, but
    not at one x with nothing running into it. Where other pages have a column starting at an
    x (`known`: that x and the narrowest gutter before it), one line starting there is enough (a
    last page whose second column is short), as long as the gutter is as wide as on those pages:
    in monospaced type, word starts line up on one x on many lines.
    """
    if len(lines) < (2 if known else 3):
        return []
    ordered = sorted(lines, key=lambda ln: -ln.baseline)
    inks = [ink_spans(ln) for ln in ordered]
    lo = min(ln.x0 for ln in ordered)
    hi = max(ln.x1 for ln in ordered)
    em = dominant_size(g for ln in ordered for g in ln.glyphs) or 10.0
    starts: Counter[int] = Counter()
    for ink in inks:
        for x0, _ in ink:
            if lo + 0.2 * (hi - lo) < x0 < lo + 0.8 * (hi - lo):
                starts[round(x0)] += 1
    cands: list[Zone] = []
    taken: set[int] = set()
    for c0, _ in starts.most_common():
        if c0 in taken or starts[c0] + starts[c0 - 1] + starts[c0 + 1] < 3:
            continue
        taken.update(range(c0 - 3, c0 + 4))
        cands.extend(_zones_at(float(c0), ordered, inks, em, 0.2 * (hi - lo), aligned_lines=3))
    for c, gutter in known:
        cands.extend(_zones_at(c, ordered, inks, em, 0.2 * (hi - lo), aligned_lines=1, min_gap=0.8 * gutter))
    # A column is at least a fifth of the text wide: of two zones on the same lines whose
    # columns start closer than that, the larger (else the leftmost) is the column and the
    # other an indent inside it (hanging notes under a column).
    zones: list[Zone] = []
    for z in sorted(cands, key=lambda z: (-len(z.lines), z.band[1])):
        if not any(y.lines & z.lines and abs(y.band[1] - z.band[1]) < 0.2 * (hi - lo) for y in zones):
            zones.append(z)
    return zones


def _zones_at(c: float, ordered: list[Line], inks: list[list[tuple[float, float]]], em: float,
              min_width: float, aligned_lines: int, min_gap: float = 0.0) -> list[Zone]:
    """The column zones whose next column starts at x = c (see column_zones); the column left
    of the gutter must be at least `min_width` wide (not the numbers of hanging notes), the
    gutter at least `min_gap` and 0.7 em (not a recurring word gap)."""
    zones: list[Zone] = []
    members: list[int] = []

    def close(before_spanning: bool) -> None:
        _trim_tail(members, ordered, inks, c - 0.3 * em, at_page_end=not before_spanning)
        size = dominant_size(g for i in members for g in ordered[i].glyphs) or em
        # the margin is where the column's body type starts: notes set smaller under the column
        # (a hanging number, the text indented after it) and stray superscripts do not count
        firsts = [_first_right_of(ordered[i], c - 0.3 * em) for i in members]
        right = [x0 for x0, at in filter(None, firsts) if at >= 0.85 * size]
        aligned = sum(1 for x0 in right if abs(x0 - c) <= max(1.5, 0.15 * em))  # first glyphs overhang
        left = [i for i in members if any(x1 < c - 0.3 * em for _, x1 in inks[i])]
        # the gutter is measured on the columns' own type: a header, a title or a note list
        # across the page, smaller or larger, may leave a word gap just short of it
        body = [g.x1 for i in left for g in ordered[i].glyphs
                if not g.space and 0.85 * size <= g.size <= 1.15 * size and g.x1 < c - 0.3 * em]
        if aligned >= aligned_lines and aligned >= 0.5 * len(right) and len(left) >= 2 and body:
            edge = max(body)
            start = min(x0 for i in left for x0, _ in inks[i])
            if c - edge >= max(0.7 * size, min_gap) and edge - start >= min_width:
                kept = {id(ordered[i]) for i in members if not _spans_gutter(ordered[i], c - 0.3 * em, size)}
                zones.append(Zone(band=(edge, c), lines=kept))
        members.clear()

    for i, ink in enumerate(inks):
        if any(x0 < c - 0.3 * em < x1 for x0, x1 in ink):  # ink runs into the gutter
            close(before_spanning=True)
        else:
            members.append(i)
    close(before_spanning=False)
    return zones


def _spans_gutter(line: Line, x: float, size: float) -> bool:
    """A line in other type than the columns' (`size`) whose ink stops short of ``x`` only at a
    word gap of its own type (under 0.6 em): a title, a header or a note list across the page,
    whose gap happens to fall at the gutter. It is read whole, not cut into the columns."""
    glyphs = sorted((g for g in line.glyphs if not g.space), key=lambda g: g.x0)
    before = [g for g in glyphs if g.x1 < x]
    after = [g for g in glyphs if g.x0 >= x]
    if not before or not after or len(before) + len(after) < len(glyphs):
        return False
    last = max(before, key=lambda g: g.x1)
    return not 0.85 * size <= last.size <= 1.15 * size and after[0].x0 - last.x1 < 0.6 * last.size


def _first_right_of(line: Line, x: float) -> tuple[float, float] | None:
    """Where the line's first glyph right of ``x`` starts, and its size; None if it has none."""
    inked = [g for g in line.glyphs if not g.space and g.x0 >= x]
    if not inked:
        return None
    first = min(inked, key=lambda g: g.x0)
    return first.x0, first.size


def _trim_tail(members: list[int], ordered: list[Line], inks: list[list[tuple[float, float]]],
               gutter: float, *, at_page_end: bool) -> None:
    """Lines after a zone's last line with ink right of the gutter belong to its first column
    (the second ran out first), unless a heading comes among them and the zone ends in text
    across the page, or (``at_page_end``) only smaller type follows the heading to the page's
    end (a list of notes): from there on they follow the columns (Chromium sets what follows
    a column block full width; a short heading does not reach the gutter, nor do short notes).
    Only lines in the columns' type count as the second column's: under such a heading, a line
    of smaller text across the page (a note list) can leave a word gap just where the gutter
    was."""
    size = dominant_size(g for i in members for g in ordered[i].glyphs)
    last = max((k for k, i in enumerate(members)
                if ordered[i].size >= 0.85 * size and any(x1 > gutter for _, x1 in inks[i])), default=-1)
    bold = sum(ordered[i].bold for i in members) > len(members) / 2
    for k in range(last + 1, len(members)):
        ln = ordered[members[k]]
        if ln.size > 1.1 * size or (ln.bold and not bold):
            if not at_page_end or all(ordered[i].size < 0.85 * size for i in members[k + 1:]):
                del members[k:]
            return


def split_columns(lines: list[Line], zones: list[Zone]) -> list[Line]:
    """Cut the page-wide lines of each column zone at its gutters (col = index of the column);
    lines outside every zone span the page (col = -1)."""
    if not zones:
        for ln in lines:
            ln.col = -1
        return lines
    out: list[Line] = []
    for ln in lines:
        cuts = sorted((z.band[0] + z.band[1]) / 2 for z in zones if id(ln) in z.lines)
        if not cuts:
            ln.col = -1
            out.append(ln)
            continue
        bounds = cuts + [float("inf")]
        parts: dict[int, list[int]] = defaultdict(list)
        for k, g in enumerate(ln.glyphs):
            parts[next(i for i, a in enumerate(bounds) if g.cx < a)].append(k)
        for col, idx in sorted(parts.items()):
            if not any(not ln.glyphs[k].space for k in idx):
                continue
            remap = {k: j for j, k in enumerate(idx)}
            part = Line(glyphs=[ln.glyphs[k] for k in idx], baseline=ln.baseline, size=ln.size,
                         page=ln.page, col=col)
            part.size = dominant_size(part.glyphs) or ln.size
            part.marks = {remap[k]: m for k, m in ln.marks.items() if k in remap}
            out.append(part)
    # A superscript shares its baseline with a line of the other column more often than with
    # its own line: fold such runs again, column by column.
    folded: list[Line] = []
    for col in sorted({ln.col for ln in out}):
        column = sorted((ln for ln in out if ln.col == col), key=lambda ln: -ln.baseline)
        folded.extend(fold_superscripts(column))
    for ln in folded:
        compose_line(ln)
    return folded


def reading_order(lines: list[Line]) -> list[Line]:
    """Top to bottom; between lines that span the columns, each column is read to its end
    before the next one starts."""
    lines = sorted(lines, key=lambda ln: -ln.baseline)
    out: list[Line] = []
    pending: dict[int, list[Line]] = defaultdict(list)
    for ln in lines:
        if ln.col < 0:
            for col in sorted(pending):
                out.extend(pending[col])
            pending.clear()
            out.append(ln)
        else:
            pending[ln.col].append(ln)
    for col in sorted(pending):
        out.extend(pending[col])
    return out
