"""Footnotes and endnotes: the notes area at a page's foot, and numbered note entries.

A footnote area is what lies under a short rule drawn at the left edge of the text (per column
where the notes are set under columns), set smaller than the body or opening with a number the
page cites. Its lines split into entries where a line opens with the next expected number; a
line that does not continues the entry above, across a page break too. Endnotes have no rule:
they are the section under a notes heading, or the document's tail that reads as consecutive
numbered entries the body cites (LibreOffice prints endnotes on pages of their own, with no
heading). A number opening a line is only an entry number when the body cites it or it comes
next: a wrapped note can start a line with digits too.
"""

from __future__ import annotations

import re

from rag.document.hyphens import Hyphens
from rag.document.pdf.blocks import Block, Measures, join_lines
from rag.document.pdf.columns import Zone, ink_spans, split_columns
from rag.document.pdf.glyphs import Box
from rag.document.pdf.lines import Line, Page, dominant_size, line_join
from rag.document.structure import Reference

_FULL_LINE = 2.0  # a note line ending within this (em) of the notes' right edge is full
_NOTE_SIZE = 0.95  # footnote text is set smaller than this times the body size
# Headings that name a list of notes (Thai and English usage). Without one, the list is still
# found as a tail of numbered entries the body cites.
_NOTES_HEADINGS = frozenset({
    "เชิงอรรถ", "เชิงอรรถท้ายเล่ม", "หมายเหตุ", "อ้างอิง", "เอกสารอ้างอิง", "บรรณานุกรม", "แหล่งอ้างอิง",
    "แหล่งข้อมูล", "notes", "note", "footnotes", "endnotes", "references", "bibliography", "sources",
    "works cited",
})
_ENTRY_NUMBER = re.compile(r"^\s*[\[(]?(\d{1,4})[\].)]?")
Entry = tuple[int, list[Line], list[str]]  # a note's number, its lines, their texts


def split_notes(lines: list[Line], rules: list[Box],
                 body_size: float) -> tuple[list[Line], list[Line]]:
    """Body lines and footnote lines of a page, column by column (LibreOffice sets the notes of
    page columns under each column): in each column, and in what spans the columns, the notes
    are the lines under the lowest short rule starting at that text's left edge that has text
    above it and smaller text (or a numbered line) under it."""
    body: list[Line] = []
    notes: list[Line] = []
    for col in sorted({ln.col for ln in lines}):
        group = [ln for ln in lines if ln.col == col]
        left = min(ln.x0 for ln in group)
        em = dominant_size(g for ln in group for g in ln.glyphs) or body_size
        mine = [r for r in rules if abs(r[0] - left) <= 1.5 * em]
        b, n = split_notes_in(group, mine, body_size)
        body.extend(b)
        notes.extend(n)
    return body, notes


def notes_in_columns(notes: list[Line], zones: list[Zone]) -> list[Line]:
    """Page-foot notes set under the columns (LibreOffice page columns) are cut at the body's
    gutters; notes that run across a gutter span the page."""
    if not notes:
        return notes
    em = dominant_size(g for ln in notes for g in ln.glyphs) or 10.0
    inks = [piece for ln in notes for piece in ink_spans(ln)]
    bands = [z.band for z in zones if not any(x0 < z.band[1] - 0.3 * em < x1 for x0, x1 in inks)]
    return split_columns(notes, [Zone(band=b, lines={id(ln) for ln in notes}) for b in bands[:1]])


def left_rules(lines: list[Line], rules: list[Box],
                body_size: float) -> list[Box]:
    """The rules that start at the left edge of the page's text."""
    left = min((ln.x0 for ln in lines), default=0.0)
    return [r for r in rules if abs(r[0] - left) <= 1.5 * body_size]


def split_notes_in(lines: list[Line], rules: list[Box],
                    body_size: float) -> tuple[list[Line], list[Line]]:
    """Body and notes of one column (or of the whole page, before columns are cut: notes that
    span the page can happen to leave a word gap where the columns' gutter is). Everything
    under the rule must be set in one size, smaller than the body or opening with a number.
    A page with nothing above its rule holds notes only when they are set smaller than the body:
    a note that did not fit under the text citing it, carried over to a page of its own."""
    for rule in sorted(rules, key=lambda r: r[1]):
        y = rule[1]
        below = [ln for ln in lines if ln.top < y + 1]
        above = [ln for ln in lines if ln.top >= y + 1]
        # every glyph counts: a page-wide line can hold a note and the other column's text
        sizes = [g.size for ln in below for g in ln.glyphs if not g.space and not g.sup]
        if not sizes:
            continue
        if not above:
            if max(sizes) < _NOTE_SIZE * body_size:
                return [], sorted(below, key=lambda ln: -ln.baseline)
            continue
        first = max(below, key=lambda ln: ln.baseline)
        cited = {n for ln in above for n, _ in ln.markers}
        lead = first.lead_number if first.lead_number is not None else _leading_number(first, None, cited)[0]
        numbered = lead is not None and lead in cited  # notes in body size: the page cites them
        if max(sizes) < _NOTE_SIZE * body_size or (numbered and max(sizes) - min(sizes) < 0.05 * body_size):
            return above, sorted(below, key=lambda ln: -ln.baseline)
    return lines, []


def _parse_entries(lines: list[Line], fresh: list[bool], cited_here: set[int], cited: set[int],
                   expected: int | None, right: float, em: float) -> list[Entry]:
    """Split note lines into numbered entries; other lines continue the current entry.

    A line opens entry n when it starts with n, the next expected number (for the first entry:
    a number the body cites), and either the body cites n next to the notes (`cited_here`: the
    same page for footnotes) or, where it does not, the line is set apart from the previous one
    or that line stopped short of the right edge: a wrapped entry's next line can start with
    digits too ("... pages 220-" / "307")."""
    entries: list[Entry] = []
    prev: Line | None = None
    for ln, new in zip(lines, fresh, strict=True):
        n, rest = _leading_number(ln, expected, cited)
        prev_full = prev is not None and prev.x1 >= right - _FULL_LINE * em
        if n is not None and (n in cited_here or (not cited or n in cited) and (new or not prev_full)):
            entries.append((n, [ln], [rest]))
            expected = n + 1
        elif entries:
            entries[-1][1].append(ln)
            entries[-1][2].append(ln.text.strip())
        prev = ln
    return entries


def _fresh(lines: list[Line]) -> list[bool]:
    """Lines set apart from the line before by more than the usual line distance."""
    gaps = [a.baseline - b.baseline for a, b in zip(lines, lines[1:], strict=False) if a.page == b.page]
    usual = sorted(gaps)[len(gaps) // 2] if gaps else 0.0
    out = [True]
    for a, b in zip(lines, lines[1:], strict=False):
        out.append(a.page != b.page or a.baseline - b.baseline > usual + 0.25 * b.size)
    return out


def _leading_number(line: Line, expected: int | None, cited: set[int]) -> tuple[int | None, str]:
    """The entry number a note line opens with (the expected one, or for a first entry one the
    body cites), and the rest of its text."""
    text = line.text.strip()
    if line.lead_number is not None:
        n = line.lead_number
        return (n, text) if n == expected or expected is None else (None, text)
    m = _ENTRY_NUMBER.match(text)
    if not m:
        return None, text
    n = int(m.group(1))
    if n != expected and not (expected is None and (not cited or n in cited)):
        return None, text
    return n, text[m.end():].lstrip(" \t.)]:")


def entry_text(parts: list[str], hyphens: Hyphens | None = None) -> str:
    """A note's lines joined into its text (as body lines join: `line_join`, and words broken
    with a hyphen joined back as ``hyphens`` reads the document)."""
    text = ""
    for t in parts:
        if hyphens is not None and hyphens.broken_word(text, t):
            text = text.rstrip()[:-1] + t
        else:
            text += line_join(text, t) + t
    return text.strip()


def _is_notes_heading(text: str) -> bool:
    """A heading that names a list of notes (numbering and punctuation ignored)."""
    key = re.sub(r"[\s:.\d]+", " ", text).strip().lower()
    return key in _NOTES_HEADINGS



def endnote_entries(blocks: list[Block], cited: set[int], m: Measures) -> list[Entry]:
    """The numbered entries of endnote blocks (each block opens an entry or continues one)."""
    lines = [ln for b in blocks for ln in b.lines]
    fresh = [k == 0 for b in blocks for k in range(len(b.lines))]
    right = max((ln.x1 for ln in lines), default=0.0)
    return _parse_entries(lines, fresh, cited, cited, None, right, m.body_size)


def endnote_blocks(blocks: list[Block], cited: set[int], m: Measures) -> set[int]:
    """Indices of the blocks that are endnotes: a notes heading (by its name, or any heading
    whose whole section parses as numbered entries the body cites) and its section; or, without
    a heading, the document's tail from the first block that opens a run of such entries to
    the end (LibreOffice prints endnotes on pages of their own, with no heading)."""
    out: set[int] = set()
    heads = [i for i, b in enumerate(blocks) if b.kind == "heading"] + [len(blocks)]
    for h, nxt in zip(heads, heads[1:], strict=False):
        section = list(range(h + 1, nxt))
        if not section:
            continue
        named = _is_notes_heading(join_lines(blocks[h].lines)[0])
        if named and _leading_number(blocks[section[0]].lines[0], None, cited)[0] is not None or (
                _all_entries([blocks[i] for i in section], cited, m)):
            out.add(h)
            out.update(section)
    if cited and not out:
        last = heads[-2] + 1 if len(heads) > 1 else 0
        first = min(cited)  # the entries open with the lowest number the body cites
        for i in range(last, len(blocks)):
            opens = _leading_number(blocks[i].lines[0], first, cited)[0] == first
            if opens and _all_entries(blocks[i:], cited, m):
                out.update(range(i, len(blocks)))
                break
    return out


def _all_entries(blocks: list[Block], cited: set[int], m: Measures) -> bool:
    """Whether the blocks read as consecutive numbered entries covering most cited numbers,
    every block opening an entry or continuing one."""
    if not cited or any(b.kind != "para" for b in blocks):
        return False
    entries = endnote_entries(blocks, cited, m)
    if not entries or entries[0][1][0] is not blocks[0].lines[0]:
        return False
    ns = [n for n, _, _ in entries]
    if len(ns) == 1:
        return ns[0] in cited and len(cited) == 1
    consecutive = all(b == a + 1 for a, b in zip(ns, ns[1:], strict=False))
    return consecutive and len(set(ns) & cited) >= 0.6 * len(cited)


def footnotes(pages: list[Page], cited_on: dict[int, set[int]], numbers: list[int],
               m: Measures, hyphens: Hyphens | None = None) -> dict[int, Reference]:
    """Footnotes from the page-bottom areas, in page order; an area that opens without a new
    number continues the previous page's last note."""
    refs: dict[int, Reference] = {}
    order: list[int] = []
    parts: dict[int, list[str]] = {}
    expected: int | None = None
    cited_so_far: set[int] = set()
    for p in pages:
        cited_so_far |= cited_on.get(p.index, set())
        if not p.notes:
            continue
        right = max(ln.x1 for ln in p.notes)
        em = dominant_size(g for ln in p.notes for g in ln.glyphs) or m.body_size
        entries = _parse_entries(p.notes, _fresh(p.notes), cited_on.get(p.index, set()), cited_so_far,
                                 expected, right, em)
        first = p.notes[0]
        if order and (not entries or entries[0][1][0] is not first):
            lead = entries[0][1][0] if entries else None
            cont = p.notes[: p.notes.index(lead)] if lead is not None else p.notes
            parts[order[-1]].extend(ln.text.strip() for ln in cont)
        for n, ls, texts in entries:
            if n in refs:
                continue
            refs[n] = Reference(n, "", numbers[ls[0].page])
            parts[n] = texts
            order.append(n)
            expected = n + 1
    for n in order:
        refs[n].text = entry_text(parts[n], hyphens)
    return refs
