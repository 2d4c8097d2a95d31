"""Repair stage: raw PDF-extracted Thai text -> repaired lines, footnote markers, page furniture.

The document is read as a page layout, not just a string: footnote blocks (a separator line,
then numbered references, possibly continued over several lines) and lone page numbers are
recognised first, because their numbers must not be mistaken for footnote markers and because
the structure stage needs them as data. Glyphs are then repaired line by line
(`repair_glyphs`), and markers are chosen with the whole document in view (`repair_markers`):
the references defined at a page's foot tell which numbers its body cites.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.repair.displaced import writes_clusters_twice
from rag.repair.glyphs import SURE, clean_chars, repair_glyphs
from rag.repair.layout import (
    BLANK,
    BODY,
    FILLER,
    FURNITURE,
    NOTE,
    PAGE,
    PAGE_NUMBER,
    PAGEBREAK,
    SEPARATOR,
    RawLine,
    layout,
    page_numbers,
)
from rag.repair.lone_markers import glue_lone_markers
from rag.repair.markers import choose_markers, find_candidates
from rag.repair.note_blocks import page_foot_notes
from rag.repair.reflow import reflow
from rag.repair.spacing import am_written_whole
from rag.repair.stand_ins import line_end_hyphens, mark_stand_ins
from rag.repair.unmapped import (
    drop_added_marks,
    fill_absent_marks,
    fill_placeholders,
    fill_spaced_letter,
    read_swapped_marks,
)
from rag.thai.lexicon import Lexicon, lexicon


@dataclass(frozen=True)
class Marker:
    n: int  # footnote number
    pos: int  # offset in the repaired line text where the marker stood


@dataclass
class Line:
    text: str  # repaired text (markers removed; note lines without their leading number)
    kind: str  # "body" | "note" | "separator" | "page" | "pagebreak" | "blank" | "filler"
    markers: list[Marker] = field(default_factory=list)
    note: int | None = None  # kind "note": number of the reference this line starts (None: continuation)
    page: int | None = None  # kind "page": the printed page number; "pagebreak": number of the new page
    joins_with_space: bool = True  # rule 8: False when the next line continues the same word
    indent: bool = False  # the raw line started with whitespace (a paragraph indent, in most PDFs)


@dataclass
class Repaired:
    lines: list[Line]
    fixes: Counter[str]
    am_whole: bool = False  # the document writes SARA AM whole (see `spacing.am_written_whole`)
    twice: bool = False  # the extractor wrote clusters twice (see `displaced.writes_clusters_twice`)

    @property
    def text(self) -> str:
        """The repaired document as paragraphs separated by blank lines (what `rag clean FILE`
        prints): furniture dropped, lines of a paragraph joined (with no space where a line
        ended inside a word), references kept as `N text` paragraphs. Blank-line paragraphs
        make the output read back identically: repairing it again changes nothing."""
        paras, _ = _paragraphs(
            [(ln.kind, ln.note, ln.indent, ln.text, ln.joins_with_space) for ln in self.lines]
        )
        # Joining lines can make a word whole again that a line break had cut (`ภูม|ภิาค`):
        # the paragraph gets the glyph rules once more, as a second repair of it would.
        lex = lexicon()
        paras = [t for t in (repair_glyphs(p, Counter(), flag_markers=False, lex=lex, am_whole=self.am_whole, twice=self.twice) for p in paras) if t]
        # A paragraph of a lone number would read back as a page number: keep it in its
        # neighbour's paragraph (it only arises from lines such as `1` + `5` read as body).
        kept: list[str] = []
        for p in paras:
            if PAGE_NUMBER.match(p) and kept:
                kept[-1] += " " + p
            elif kept and PAGE_NUMBER.match(kept[-1]) and len(kept) == 1:
                kept[-1] += " " + p
            else:
                kept.append(p)
        return "".join(p + "\n\n" for p in kept).rstrip("\n") + ("\n" if kept else "")


def _paragraphs(
    items: Sequence[tuple[str, int | None, bool, str, bool]],
) -> tuple[list[str], list[str]]:
    """Join lines (kind, note, indent, text, joins_with_space) into paragraphs; also return, for
    each line, the paragraph text it continues ("" where it starts one). A paragraph ends at a
    blank line, a change of kind, an indent or a reference number; a page break or footnote
    rule does not end it."""
    paras: list[str] = []
    cur: list[str] = []
    contexts: list[str] = []
    glue = False
    prev_kind = BLANK
    for kind, note, indent, text, joins in items:
        if kind in FURNITURE:
            contexts.append("")
            continue
        if kind == BLANK or kind != prev_kind or note is not None or indent:
            if cur:
                paras.append("".join(cur))
                cur.clear()
        prev_kind = kind
        if kind == BLANK:
            contexts.append("")
            continue
        contexts.append("".join(cur) + ("" if glue else " ") if cur else "")
        text = f"{note} {text}" if note is not None else text
        if text:
            cur.append(text if not cur or glue else " " + text)
            glue = not joins
        else:
            glue = glue and not joins  # a line emptied by a cut marker keeps its trailing space
    if cur:
        paras.append("".join(cur))
    return paras, contexts


def _cut(text: str, spans: list[tuple[int, int, int]]) -> tuple[str, list[Marker], list[int]]:
    """Cut marker spans (and leftover SURE flags) out of `text`, closing up the space a spaced
    marker leaves. Returns the new text, the cut markers at their new offsets, and for every old
    offset its new one (to move markers cut in an earlier round)."""
    starts = {s: (e, n) for s, e, n in spans}
    out: list[str] = []
    pmap: list[int] = []
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if i in starts:
            e, n = starts[i]
            nxt = text[e] if e < len(text) else " "
            if out and out[-1] == " " and nxt == " ":
                out.pop()
            pmap.extend([len(out)] * (e - i))
            found.append((n, len(out)))
            i = e
            continue
        pmap.append(len(out))
        if text[i] != SURE:
            out.append(text[i])
        i += 1
    pmap.append(len(out))
    joined = "".join(out)
    lead = len(joined) - len(joined.lstrip(" "))
    result = joined.strip(" ")

    def moved(p: int) -> int:
        return max(0, min(len(result), p - lead))

    return result, [Marker(n, moved(p)) for n, p in found], [moved(p) for p in pmap]


def _moved_offsets(old: str, new: str, offsets: list[int]) -> list[int]:
    """Where offsets in `old` land in `new`, after a local edit of `old` (by alignment)."""
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    out = []
    for p in offsets:
        for _, i1, i2, j1, j2 in ops:
            if i1 <= p < i2 or (p == i2 == len(old)):
                out.append(j1 + min(p - i1, j2 - j1))
                break
        else:
            out.append(len(new))
    return out


def _runs_on(r: RawLine) -> bool:
    """The line ended without a space: the next one carries on its word or phrase (CONVENTIONS
    rule 8)."""
    return bool(r.text) and not r.text[-1].isspace()


def _contexts(raws: list[RawLine], texts: list[str], body_idx: list[int]) -> list[str]:
    """For each body line, the text it continues in its paragraph, read exactly as
    `Repaired.text` joins lines, so that markers are judged on the text a second repair reads."""
    items = []
    for r, t in zip(raws, texts, strict=True):
        content = r.kind in (BODY, NOTE)
        joins = not content or not _runs_on(r)
        items.append((r.kind, r.note, content and r.text[:1].isspace(), t, joins))
    _, contexts = _paragraphs(items)
    return [contexts[k] for k in body_idx]


def _continues(raws: list[RawLine], k: int) -> bool:
    """Line k's phrase goes on in the next line: it runs on and the next line is text of the
    same kind."""
    j = k + 1
    while j < len(raws) and raws[j].kind == FILLER:
        j += 1
    return _runs_on(raws[k]) and j < len(raws) and raws[j].kind == raws[k].kind


def _take_markers(
    raws: list[RawLine], texts: list[str], lex: Lexicon, fixes: Counter[str], *, paragraphs: bool, am_whole: bool,
    twice: bool,
) -> dict[int, list[Marker]]:
    """Choose markers in the body lines and cut them out of `texts` (in place). `paragraphs`:
    whole-document mode (see `repair_document`); otherwise lines mode (`repair_lines`).

    Repeats until nothing changes, so that repairing the output again finds nothing to do: a
    number passed over only because it broke the ascending order of a stronger chain would
    otherwise be taken the second time round, and a cut can leave glyphs to repair (`ก1ิ ะ`)."""
    if paragraphs:
        body_idx = [k for k, r in enumerate(raws) if r.kind == BODY]
        evidence, defined = _page_evidence(raws)
        line_evidence: list[frozenset[int] | None] | None = [evidence[k] for k in body_idx]
    else:
        # Lines mode prints furniture as "" and a reference as plain `N text`: read back, the
        # lines have no footnote blocks. So that a second repair decides alike, markers are
        # told here without the blocks' evidence, in reference lines as in body lines.
        body_idx = [k for k, r in enumerate(raws) if r.kind in (BODY, NOTE)]
        line_evidence, defined = None, frozenset()
    continues = [_continues(raws, k) for k in body_idx]
    markers: dict[int, list[Marker]] = {}
    cited: set[int] = set()  # a reference the document defines is cited once
    for _ in range(10):
        contexts = _contexts(raws, texts, body_idx) if paragraphs else None
        cands = [c for c in find_candidates([texts[k] for k in body_idx], lex, contexts, continues)
                 if c.n not in cited]
        chosen = choose_markers(cands, line_evidence, defined)
        spans: dict[int, list[tuple[int, int, int]]] = {}
        for c in chosen:
            spans.setdefault(body_idx[c.line], []).append((c.start, c.end, c.n))
        cited |= {c.n for c in chosen} & defined
        changed = False
        for k in body_idx:
            if k not in spans and SURE not in texts[k]:
                continue
            text, cut, pmap = _cut(texts[k], spans.get(k, []))
            found = sorted([Marker(m.n, pmap[m.pos]) for m in markers.get(k, [])] + cut, key=lambda m: (m.pos, m.n))
            again = repair_glyphs(text, fixes, lex=lex, am_whole=am_whole, twice=twice)
            if again != text:
                found = [Marker(m.n, p) for m, p in zip(found, _moved_offsets(text, again, [m.pos for m in found]), strict=True)]
                changed = True
            texts[k], markers[k] = again, found
        fixes["footnote_marker"] += len(chosen)
        if not chosen and not changed:
            break
    return markers


def _repair(
    raws: list[RawLine], lex: Lexicon, fixes: Counter[str], *, paragraphs: bool, am_whole: bool, twice: bool = False
) -> Repaired:
    texts: list[str] = []
    for r in raws:
        if r.kind == BODY:
            texts.append(repair_glyphs(r.text, fixes, lex=lex, am_whole=am_whole, twice=twice))
        elif r.kind == NOTE:
            note = repair_glyphs(r.text[r.body_start:], fixes, note=True, lex=lex, am_whole=am_whole, twice=twice)
            texts.append(note.replace(SURE, ""))
        else:
            texts.append("")
    markers = _take_markers(raws, texts, lex, fixes, paragraphs=paragraphs, am_whole=am_whole, twice=twice)
    lines: list[Line] = []
    for k, r in enumerate(raws):
        if r.kind == PAGE:
            fixes["page_number"] += 1
        elif r.kind == SEPARATOR:
            fixes["separator"] += 1
        content = r.kind in (BODY, NOTE)
        lines.append(
            Line(
                text=texts[k],
                kind=r.kind,
                markers=markers.get(k, []),
                note=r.note,
                page=r.page,
                joins_with_space=not content or not r.text or r.text[-1].isspace(),
                indent=content and r.text[:1].isspace(),
            )
        )
    return Repaired(lines=lines, fixes=fixes, am_whole=am_whole, twice=twice)


def _page_evidence(raws: list[RawLine]) -> tuple[list[frozenset[int] | None], frozenset[int]]:
    """For each line, the footnote numbers defined in the block at the foot of its page. Notes
    on a page of their own (no body text: LibreOffice sets endnotes so, without a heading) are
    cited from every page, as endnotes under a heading are."""
    page_of: list[int] = []
    defined_on: dict[int, set[int]] = {}
    with_body: set[int] = set()
    page = 0
    in_block = False
    # endnotes are defined at the document's end for every page
    every_page = {r.note for r in raws if r.kind == NOTE and r.endnote and r.note is not None}
    for r in raws:
        if r.kind == NOTE and r.endnote:
            page_of.append(page)
            continue
        if r.kind == PAGEBREAK:
            page += 1
            in_block = False
        elif r.kind in (SEPARATOR, NOTE):
            in_block = True
            if r.note is not None:
                defined_on.setdefault(page, set()).add(r.note)
        elif r.kind == BODY and in_block:
            page += 1
            in_block = False
        if r.kind == BODY:
            with_body.add(page)
        page_of.append(page)
    every_page |= {n for p, notes in defined_on.items() if p not in with_body for n in notes}
    defined = frozenset(n for s in defined_on.values() for n in s) | every_page
    evidence = [frozenset(defined_on.get(p, set()) | every_page) if p in defined_on or every_page else None
                for p in page_of]
    return evidence, defined


def _raws(raw: str, fixes: Counter[str], *, paragraphs: bool) -> list[RawLine]:
    """Lines with their characters cleaned (PUA glyphs, bullets, controls): the layout is read
    from what the repaired text will show, so that a line reads the same way the second time.
    In whole-document mode, lines an extractor cut at a Thai mark are put back together first
    (`repair_reflow`)."""
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    if paragraphs:
        raw = line_end_hyphens(raw)
    raw, stand_ins = mark_stand_ins(raw)
    raw = fill_spaced_letter(fill_placeholders(raw, lexicon(), fixes, stand_ins), lexicon(), fixes)
    lines = raw.split("\n")
    kinds = [PAGEBREAK if t.strip(" \t\r") == "\f" else "" for t in lines]
    texts = ["" if k else clean_chars(t, fixes) for t, k in zip(lines, kinds, strict=True)]
    if paragraphs:
        opens_page = [not k and t.lstrip(" \t\r").startswith("\f") for t, k in zip(lines, kinds, strict=True)]
        joined = reflow(texts, kinds, opens_page)
        if joined:
            fixes["cut_line"] += joined
    # the marks a face adds before SARA AM go first: left in, they leave the words around them
    # unknown either way, and an absent mark read back there makes a short word by chance
    # (`ต่ำาแหน่ง` read `แหนูง`, `หนู` being a word)
    marks = fill_absent_marks(drop_added_marks("\n".join(texts), lexicon(), fixes), lexicon(), fixes)
    texts = read_swapped_marks(marks, lexicon(), fixes).split("\n")
    return [RawLine(text=t, kind=k or BODY) for t, k in zip(texts, kinds, strict=True)]


def repair_document(raw: str, *, paragraphs: bool = True) -> Repaired:
    """Repair a whole document: one `Line` per "\\n"-separated input line (with `paragraphs`,
    after the lines pypdfium2 ran together at a line-end hyphen are parted), markers as data.

    With `paragraphs` (the default) a line that continues the previous one is read as its
    continuation when telling markers from numbers; `repair_lines` turns that off, since it
    repairs each line on its own."""
    fixes: Counter[str] = Counter()
    raws = _raws(raw, fixes, paragraphs=paragraphs)
    if not layout(raws):
        page_foot_notes(raws)  # notes sit at a page's foot or under a heading at the end, not both
    page_numbers(raws)
    if paragraphs:
        glue_lone_markers(raws)
    return _repair(raws, lexicon(), fixes, paragraphs=paragraphs, am_whole=am_written_whole(raw),
                   twice=writes_clusters_twice(raw))


def repair_lines(lines: Sequence[str]) -> list[str]:
    """What `rag clean --lines` prints: one output per input line, furniture as "", references
    with their number; marker detection keeps its ascending state across the lines. (For the
    fix counts too, call `repair_document("\\n".join(lines), paragraphs=False)` and
    `line_texts` on it: the same repair, done once.)"""
    flat = [ln.replace("\r", " ").replace("\n", " ") for ln in lines]
    return line_texts(repair_document("\n".join(flat), paragraphs=False))


def line_texts(rep: Repaired) -> list[str]:
    """One printed line per `Line`: furniture and blanks as "", references as `N text`."""
    out: list[str] = []
    for line in rep.lines:
        if line.kind in FURNITURE or line.kind == BLANK:
            out.append("")
        elif line.note is not None:
            out.append(f"{line.note} {line.text}")
        else:
            out.append(line.text)
    return out


def repair_query(text: str) -> str:
    """Glyph repair only, for text a user pasted into the chat: no markers, no furniture; line
    breaks are spaces."""
    fixes: Counter[str] = Counter()
    return repair_glyphs(" ".join(text.splitlines()), fixes, flag_markers=False, lex=lexicon())
