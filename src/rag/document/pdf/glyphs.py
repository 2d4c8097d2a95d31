"""A page's glyphs as pdfium reports them: text, boxes, origin, size, font and ActualText span.

Text extractors read a PDF's text layer in content-stream order, and for Thai that order is not
the reading order: LibreOffice draws reordered marks as separate ActualText spans and shifts
marks by the justification space of their word; Chromium wraps every cluster in an ActualText
span that pdfium repeats for each glyph of the cluster; some glyphs carry no usable unicode.
So the reader starts from what pdfium knows per character (unicode, tight and loose boxes,
origin, matrix, font, text object and its marked content) and gathers it here into `Glyph`s: a
span's characters become one glyph with the span's full extent, a glyph mapped to several
characters stays one glyph, and glyphs without usable text get the text of a glyph of the same
shape (`resolve_unknown`). The page's thin horizontal paths are kept too: a footnote rule is
drawn, not written.
"""

from __future__ import annotations

import ctypes
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from rag.repair.glyphs import HYPHENS

Box = tuple[float, float, float, float]  # a drawn rule or a box: left, bottom, right, top

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|extrabold|ultrabold|[-,](?:b|bd)$", re.I)
_FORCE_BOLD = 1 << 18  # PDF font descriptor flag 19
_FILL_STROKE = 2  # text render mode used for synthetic bold
_MAX_SLANT = 15.0  # degrees: the most an italic is taken to lean
_RULE_HEIGHT = 2.0  # points: a footnote separator is a thin horizontal path ...
_RULE_WIDTH = (0.05, 0.7)  # ... this wide relative to the page width


def mark_rank(ch: str) -> int:
    """Canonical position of a Thai combining mark on its base: vowels above/below first, then
    tone marks, then the other signs; SARA AM, when it arrives inside a mark cluster, last."""
    o = ord(ch)
    if 0x0E48 <= o <= 0x0E4B:
        return 1
    if 0x0E4C <= o <= 0x0E4E:
        return 2
    if o == 0x0E33:
        return 3
    return 0


def is_mark(ch: str) -> bool:
    """A combining mark: drawn over or under a base glyph, never on its own."""
    return unicodedata.category(ch) in ("Mn", "Me")


def _is_bad_unicode(ch: str) -> bool:
    """A code point that cannot be the text of a visible glyph: controls, private use, U+FFFD."""
    return unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") or ch == "\ufffd"


@dataclass(slots=True)
class Glyph:
    """One drawn glyph, or a cluster of glyphs that the text layer labels together."""

    text: str
    x0: float  # tight box, PDF user space (y up)
    y0: float
    x1: float
    y1: float
    ox: float  # origin: pen position and baseline
    oy: float
    end: float  # pen position after the glyph's advance
    size: float  # effective font size in points
    bold: bool
    font: str
    mark: bool  # a combining mark (cluster) drawn over a base
    space: bool
    placed: bool = False  # drawn in an ActualText span, positioned on its own
    in_run: bool = False  # (a mark) hung on the base its own text run drew just before it
    run: int = 0  # identity of the text object (run) that draws it
    slant: float = 0.0  # italic lean: horizontal shift per point of height
    unknown: bool = False  # the text layer's unicode is unusable; resolved by shape
    sup: bool = False  # set when the glyph is found raised and small on its line

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class _ObjInfo:
    """What a text object says of all the glyphs it draws."""

    span: int | None  # identity of the ActualText span the object is drawn in
    bold: bool
    font: str
    slant: float  # horizontal shift per point of height (italic)


class GlyphReader:
    """Reads one page's glyphs, and its thin rules, through pdfium's raw API."""

    def __init__(self, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> None:
        self.textpage = textpage  # keeps pdfium's text page open while its raw handle is used
        self.raw = textpage.raw
        self.objs: dict[int, _ObjInfo] = {}
        self.fonts: dict[int, tuple[str, bool, float]] = {}
        self._name = ctypes.create_string_buffer(256)
        self._u16 = (ctypes.c_ushort * 64)()
        self._len = ctypes.c_ulong()
        self.width = page.get_width()
        self.rules: list[Box] = []
        self.span_boxes: dict[int, list[float]] = {}
        self.spans: dict[int, int | None] = {}  # text object -> its ActualText span
        self._scan_objects(page)

    def _scan_objects(self, page: pdfium.PdfPage) -> None:
        """Collect thin horizontal paths (footnote rules are drawn, not text) and the full extent
        of every ActualText span: pdfium labels only some of a span's glyphs, so the drawn
        objects tell where the cluster really ends."""
        c = pdfium_c
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        for k in range(c.FPDFPage_CountObjects(page.raw)):
            obj = c.FPDFPage_GetObject(page.raw, k)
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_PATH:
                if c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                    w, h = right.value - left.value, top.value - bottom.value
                    if h <= _RULE_HEIGHT and _RULE_WIDTH[0] * self.width <= w <= _RULE_WIDTH[1] * self.width:
                        self.rules.append((left.value, bottom.value, right.value, top.value))
            elif kind == c.FPDF_PAGEOBJ_TEXT:
                span = self._span_of(obj)
                self.spans[ctypes.cast(obj, ctypes.c_void_p).value or 0] = span
                if span is not None and c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                    box = self.span_boxes.setdefault(span, [left.value, bottom.value, right.value, top.value])
                    box[0], box[1] = min(box[0], left.value), min(box[1], bottom.value)
                    box[2], box[3] = max(box[2], right.value), max(box[3], top.value)

    def _span_of(self, obj) -> int | None:
        """Identity of the ActualText span (marked content) the object is drawn in, if any."""
        c = pdfium_c
        span = None
        for k in range(c.FPDFPageObj_CountMarks(obj) if obj else 0):  # usually none
            mark = c.FPDFPageObj_GetMark(obj, k)
            if c.FPDFPageObjMark_GetParamStringValue(mark, b"ActualText", self._u16, 128,
                                                     ctypes.byref(self._len)):
                span = ctypes.cast(mark, ctypes.c_void_p).value
        return span

    def read(self) -> list[Glyph]:
        """The page's glyphs in content-stream order, without the spaces and line breaks pdfium
        makes up; an ActualText span's characters become one glyph."""
        raw = self.raw
        c = pdfium_c
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        refs = [ctypes.byref(v) for v in (left, right, bottom, top)]
        loose = pdfium_c.FS_RECTF()
        matrix = pdfium_c.FS_MATRIX()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        origin = (ctypes.byref(ox), ctypes.byref(oy))
        glyphs: list[Glyph] = []
        spans: dict[int, tuple[int, int]] = {}  # span id -> (glyph index, first object)
        last_obj = -1
        for i in range(c.FPDFText_CountChars(raw)):
            if c.FPDFText_IsGenerated(raw, i):
                continue
            ch = chr(c.FPDFText_GetUnicode(raw, i))
            ch = HYPHENS.get(ch, ch)
            c.FPDFText_GetCharBox(raw, i, *refs)
            c.FPDFText_GetLooseCharBox(raw, i, loose)
            c.FPDFText_GetMatrix(raw, i, matrix)  # its scale turns the nominal size into points
            c.FPDFText_GetCharOrigin(raw, i, *origin)
            scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5 or 1.0
            size = c.FPDFText_GetFontSize(raw, i) * scale
            obj = c.FPDFText_GetTextObject(raw, i)
            key = ctypes.cast(obj, ctypes.c_void_p).value or 0
            info = self.objs.get(key) or self._obj_info(obj, key)
            box = (left.value, bottom.value, right.value, top.value)
            if info.span is not None and info.span in spans:
                gi, first_obj = spans[info.span]
                _grow(glyphs[gi], box, loose.right, text=ch if key == first_obj else "")
                continue
            prev = glyphs[-1] if glyphs else None
            if (info.span is None and prev is not None and key == last_obj
                    and _same_glyph(prev, box, ox.value, oy.value)):
                _grow(prev, box, loose.right, text=ch)  # one glyph mapped to several characters
                continue
            unknown = _is_bad_unicode(ch) or bool(c.FPDFText_HasUnicodeMapError(raw, i))
            glyphs.append(Glyph(
                text=ch, x0=box[0], y0=box[1], x1=box[2], y1=box[3], ox=ox.value, oy=oy.value,
                end=max(loose.right, box[2]), size=size, bold=info.bold, font=info.font,
                mark=is_mark(ch), space=ch.isspace(), placed=info.span is not None, run=key,
                slant=info.slant, unknown=unknown))
            if info.span is not None:
                spans[info.span] = (len(glyphs) - 1, key)
                if info.span in self.span_boxes:
                    _grow(glyphs[-1], tuple(self.span_boxes[info.span]), 0.0, text="")
            last_obj = key
        return glyphs

    def _obj_info(self, obj, key: int) -> _ObjInfo:
        """Font, boldness and ActualText span of a text object (cached: many glyphs share one)."""
        c = pdfium_c
        span = self.spans[key] if key in self.spans else self._span_of(obj)
        font, bold, slant = ("", False, 0.0)
        if obj:
            handle = c.FPDFTextObj_GetFont(obj)
            fkey = ctypes.cast(handle, ctypes.c_void_p).value or 0
            if fkey not in self.fonts:
                c.FPDFFont_GetBaseFontName(handle, self._name, 256)
                name = self._name.value.decode("latin-1").split("+")[-1]
                # Not FPDFFont_GetWeight: producers write odd weights (Chromium: 704 for Kinnari
                # Regular, LibreOffice: 400 for Laksaman Bold); the face's name says it.
                heavy = _BOLD_NAME.search(name) is not None or bool(c.FPDFFont_GetFlags(handle) & _FORCE_BOLD)
                angle = ctypes.c_int()
                c.FPDFFont_GetItalicAngle(handle, ctypes.byref(angle))
                # fonts overstate it (TLWG italics say 30 degrees and lean about 12): capped
                slant = math.tan(math.radians(min(abs(angle.value), _MAX_SLANT)))
                self.fonts[fkey] = (name, heavy, slant)
            font, bold, slant = self.fonts[fkey]
            bold = bold or c.FPDFTextObj_GetTextRenderMode(obj) == _FILL_STROKE
            matrix = pdfium_c.FS_MATRIX()
            if c.FPDFPageObj_GetMatrix(obj, matrix) and matrix.d:
                slant += abs(matrix.c / matrix.d)  # an oblique drawn by skewing the text
        info = _ObjInfo(span=span, bold=bold, font=font, slant=slant if obj else 0.0)
        self.objs[key] = info
        return info


def _same_glyph(prev: Glyph, box: Box, ox: float, oy: float) -> bool:
    """pdfium splits the box of a glyph that maps to several characters into equal slices that
    share the glyph's origin: such characters are one glyph."""
    return (abs(prev.ox - ox) < 0.01 and abs(prev.oy - oy) < 0.01 and abs(prev.x1 - box[0]) < 0.05
            and abs(prev.y0 - box[1]) < 0.05 and abs(prev.y1 - box[3]) < 0.05 and box[2] > box[0])


def _grow(g: Glyph, box: Box, loose_right: float, text: str) -> None:
    """Widen a glyph to take in another box (a span's next glyph), adding its text."""
    if g.x1 <= g.x0 and g.y1 <= g.y0:  # a box-less first character (a space) contributes nothing
        g.x0, g.y0, g.x1, g.y1 = box
    else:
        g.x0, g.y0 = min(g.x0, box[0]), min(g.y0, box[1])
        g.x1, g.y1 = max(g.x1, box[2]), max(g.y1, box[3])
    g.end = max(g.end, loose_right, box[2])
    if text:
        g.text += text
        g.mark = is_mark(g.text[0])
        g.space = g.text.isspace()


def resolve_unknown(glyphs: Iterable[Glyph]) -> None:
    """Give glyphs whose unicode is unusable the text of a known glyph of the same font with the
    same shape (box size and place relative to the baseline, advance); a flat bar at mid height
    is a hyphen; anything else is dropped (its text emptied) rather than guessed."""
    glyphs = list(glyphs)
    known: dict[tuple, Counter[str]] = defaultdict(Counter)
    for g in glyphs:
        if not g.unknown and len(g.text) == 1 and not g.space:
            known[_shape(g)][g.text] += 1
    for g in glyphs:
        if not g.unknown:
            continue
        votes = known.get(_shape(g))
        if votes and len(votes) == 1:
            g.text = next(iter(votes))
        elif g.y1 - g.y0 < 0.12 * g.size and g.x1 - g.x0 > 0.15 * g.size and g.y0 > g.oy:
            g.text = "-"
        else:
            g.text = ""
        g.mark = bool(g.text) and is_mark(g.text[0])
        g.unknown = False


def _shape(g: Glyph) -> tuple:
    """A glyph's shape to a twentieth of an em: font, size, box and advance."""
    q = max(g.size, 1.0) / 20  # quantum: a twentieth of an em
    return (g.font, round(g.size), round((g.x1 - g.x0) / q), round((g.y1 - g.y0) / q),
            round((g.y0 - g.oy) / q), round((g.end - g.ox) / q))
