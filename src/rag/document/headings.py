"""Headings of a document read from PDF-extracted lines: short stand-alone lines between
paragraphs that read as titles, numbered ones counting on through the document, and headings
that wrapped onto a second or third line. What `structure` reads paragraphs around."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from rag.document.brackets import inside_brackets
from rag.repair.lines import starts_inside_word
from rag.repair.text import Marker
from rag.repair.titles import ends_with, restates
from rag.thai.chars import DIGITS, is_thai, thai_head
from rag.thai.lexicon import lexicon

# Layout thresholds, as fractions of the document's full line width (`structure`). A line
# that stops this short of the margin ended its paragraph; a heading is shorter still. Both
# were set on the layout of printed Thai papers (full lines vary by about 15% with word wrap),
# not on any one document's headings.
PARAGRAPH_END_RATIO = 0.8
HEADING_RATIO = 0.7
HEADING_SET_OFF_RATIO = 0.85
HEADING_MAX_WORDS = 14
# A heading is a title, not a sentence: these endings mark running text.
_SENTENCE_END = tuple(".,;!?")
# ... but not an abbreviation's full stop (`พ.ศ.`, `ค.ศ.`, `U.S.`): a title that wrapped before
# its year ends so
_ABBREVIATION_END = re.compile(r"(?:^|\s)(?:[^\s.]{1,2}\.){2,}$")
_MAX_HEADING_LINES = 3
# A title neither opens as a clause that goes on from the words before it (with a conjunction,
# a relative pronoun, a preposition, a stative verb, an auxiliary or a negation: `และ`, `ซึ่ง`,
# `ที่`, `ของ`, `เป็น`, `มัก`, `ไม่`, in ORCHID's tags) nor ends with a word that needs words
# after it (a conjunction, a preposition, a noun prefix `การ`, an auxiliary `จะ`). A line set
# off on its own that does is running text cut off (pdftotext sets the pieces of a wide-spaced
# justified line off as blocks of their own); a heading that wrapped may break anywhere, but
# its lines stand together. Counted on the headings found in the 117 development documents x 4
# extractors: lines opening so were 60 false headings to 2 true ones (`เพื่อ`, `จำ`), which
# the word lists below leave out; direction words tagged as prepositions end true titles
# (`แคลิฟอร์เนียตอนใต้`).
_OPENS_CLAUSE = frozenset({"JCRG", "JSBR", "PREL", "RPRE", "VSTA", "XVBM", "XVMM", "XVAE", "NEG"})
_OPENS_TITLE = frozenset({"เพื่อ", "เมื่อ"})
_NEEDS_AFTER = frozenset({"RPRE", "JCRG", "JSBR", "PREL", "FIXN", "XVBM", "XVMM"})
_ENDS_TITLE = frozenset({"ใต้", "เหนือ", "บน", "ล่าง", "นอก", "หน้า", "หลัง", "ข้าง"})
# A heading's number: `2. `, `2.1 `, `๒. `, `บทที่ 3`, `ส่วนที่ 1:`, `Chapter 4`; a mark may touch
# the Thai title (`1.บทนำ`: LibreOffice's numbering and its tab, copied out).
NUMBERED_HEADING = re.compile(
    r"(?:(?:บทที่|ส่วนที่|ภาคที่|ตอนที่|Chapter|Part|Section)\s*[0-9๐-๙]+|[0-9๐-๙]{1,2}(?:\.[0-9๐-๙]{1,2})*[.)]?)[.:)]?"
    r"(?:\s|(?<=[.:)])(?=[ก-ฮเ-ไ]))",
    re.IGNORECASE,
)


#: A list item's bullets (a numbered item reads as a numbered heading: `NUMBERED_HEADING`).
BULLETS = "•●○◦▪▫■□►▸‣⁃➢✓"
# A bulleted item, and a table's row of figures (`ญี่ปุ่น 987,654 876,543`): running text, never
# a title.
_BULLET = re.compile(rf"\s*[{BULLETS}]")
_FIGURE = re.compile(r"[0-9๐-๙][0-9๐-๙,.]*")


def _item_or_row(text: str) -> bool:
    """The line is a bulleted list's item, or a row of figures (two numbers or more, digits at
    least half of its letters and digits)."""
    if _BULLET.match(text):
        return True
    digits = sum(1 for c in text if c in DIGITS)
    return len(_FIGURE.findall(text)) >= 2 and digits >= 0.5 * sum(1 for c in text if c.isalnum())


def display_width(text: str) -> int:
    """Characters that take horizontal room: Thai vowel and tone marks stack, so they don't count."""
    return sum(1 for c in text if unicodedata.category(c) != "Mn")


@dataclass
class BodyLine:
    text: str
    markers: list[Marker]
    page: int
    joins: bool  # rule 8: False when the next line continues the same word
    indent: bool  # the line started with white space (a paragraph indent in most extractions)
    gap_before: bool  # blank line(s) between the previous body line and this one
    furniture_before: bool  # a page boundary (separator, notes, page number) since the previous one
    width: int
    heading: bool = False
    continues_heading: bool = False  # the second line of a heading that wrapped

    @property
    def opens_with_marker(self) -> bool:
        """A note's number opens the line: pypdfium2 cut the printed line at a raised number,
        which cites the end of the line above."""
        return any(m.pos == 0 for m in self.markers)


def cut_phrase(text: str, opens_title: frozenset[str] = _OPENS_TITLE, *, ends: bool = True) -> bool:
    """The line opens (or, with ``ends``, ends: `_NEEDS_AFTER`) as a piece of a sentence does,
    not as a title; ``opens_title``: clause words that may open a title all the same."""
    lex = lexicon()
    words = [w for w in lex.segment(text.strip()) if any(c.isalpha() for c in w)]
    if not words:
        return False
    return (lex.tag(words[0]) in _OPENS_CLAUSE and words[0] not in opens_title) or (ends and _needs_after(text, words))


def _needs_after(text: str, words: list[str] | None = None, *, letters: int = 1) -> bool:
    """The line ends with a word that needs what follows it (`_NEEDS_AFTER`: `ใน`, `รวมทั้ง`), of
    ``letters`` or more (a lone `ณ` is as often the tail of a word cut apart, `คำ นวณ`)."""
    lex = lexicon()
    words = words if words is not None else [w for w in lex.segment(text.strip()) if any(c.isalpha() for c in w)]
    return bool(words) and words[-1] != text.strip() and lex.tag(words[-1]) in _NEEDS_AFTER \
        and words[-1] not in _ENDS_TITLE and len(words[-1]) >= letters


def _opens_under(title: BodyLine, line: BodyLine) -> bool:
    """`line` opens the paragraph under `title` by naming it (`titles.restates`): a line that
    starts a numbered heading of its own (`ส่วนที่ 1: คลอโรพลาสต์` under a title that ends
    `คลอโรพลาสต์`) names no title above it, it is one."""
    return NUMBERED_HEADING.match(line.text) is None and restates(title.text, line.text)


def _ends_sentence(text: str) -> bool:
    """The line ends with sentence punctuation (`_SENTENCE_END`), not an abbreviation's stop."""
    return text.endswith(_SENTENCE_END) and not _ABBREVIATION_END.search(text)


def ends_paragraph(line: BodyLine, full: float) -> bool:
    """A line that stops well short of the margin ended its paragraph, trailing space or not
    (PDF text layers drop the space at a paragraph's end)."""
    return line.width < PARAGRAPH_END_RATIO * full


def mark_headings(body: list[BodyLine], full: float) -> None:
    """Headings: short stand-alone lines between paragraphs, titles rather than sentences.

    A heading stands on a line of its own (the line before it ended a paragraph, or the line
    after it names it near its start: `_opens_under`; and it is well short of the margin),
    cites nothing (no footnote marker), reads as a title
    (a few words, no sentence punctuation at the end) and heads something: a multi-line
    paragraph follows, or it is set off by a blank line, or it has the "topic: subtitle"
    colon that Thai papers use for section titles. One-line paragraphs between two headings
    are the known cost of having no font information.
    """
    for i, line in enumerate(body):
        prev = body[i - 1] if i else None
        nxt = body[i + 1] if i + 1 < len(body) else None
        if nxt is None or line.markers or (prev is not None and prev.heading and _opens_under(prev, line)) \
                or _item_or_row(line.text) or (inside_brackets(body, i) and not _opens_under(line, nxt)) \
                or nxt.opens_with_marker:
            continue  # (the last: a line cut where a note's number opens the next, `_wraps_on`)
        # Set off by blank lines above and below, a heading may run longer (narrow pages).
        set_off = line.gap_before and nxt.gap_before
        ratio = HEADING_SET_OFF_RATIO if set_off else HEADING_RATIO
        if ":" in line.text.rstrip(":"):
            ratio = max(ratio, PARAGRAPH_END_RATIO)  # (a "topic: subtitle" title, as `_wrapped_headings` reads one)
        if line.width > ratio * full or not any(c.isalpha() for c in line.text):
            continue
        # (a title opens no clause, unless it goes on a heading that wrapped, `ของชุมชน…` under
        # `1. ประวัติศาสตร์และพัฒนาการ`, `และการทูต` under `2. จีน: เทคโนโลยี อำนาจ`; a line set off
        # alone ends none either: a heading may wrap before a conjunction)
        under_heading = any(body[j].heading or NUMBERED_HEADING.match(body[j].text) is not None
                            for j in range(max(0, i - _MAX_HEADING_LINES + 1), i))
        cut = cut_phrase(line.text) if set_off else not under_heading and cut_phrase(line.text, ends=False)
        if len(line.text.split()) > HEADING_MAX_WORDS or _ends_sentence(line.text) or cut:
            continue
        # (nor, where a full line follows, does it end with a word that needs what follows: a
        # sentence cut there, as pypdfium2 cuts a line at a Latin run, `OpenTV พร้อม…รวมทั้ง`, whose
        # first part ended the line above short; a heading that wraps there goes on in a short line,
        # a numbered one is one by its number)
        if not set_off and not under_heading and prev is not None and NUMBERED_HEADING.match(line.text) is None \
                and nxt.width >= PARAGRAPH_END_RATIO * full and _needs_after(line.text, letters=2):
            continue
        restated = _opens_under(line, nxt) and not cut_phrase(line.text)  # (`ในการทูต…` over `การทูต…`)
        # (a page's first line over a full one: a paragraph's last line alone at a page's top is
        # a widow, which Writer, Word and Chromium keep off by default)
        page_top = line.furniture_before and nxt.width >= PARAGRAPH_END_RATIO * full
        stands_alone = (prev is None or prev.heading or ends_paragraph(prev, full) or restated or page_top
                        or (prev.joins and (line.gap_before or (line.indent and not line.furniture_before))))
        if not stands_alone:
            continue
        titled = ":" in line.text.rstrip(":") or line.gap_before or nxt.gap_before or restated
        heads_text = nxt.width >= PARAGRAPH_END_RATIO * full or not nxt.joins
        line.heading = titled or heads_text
    first, styles = _numbered_headings(body, full)
    _wrapped_headings(body, full)
    if first is not None:
        _numbered_only(body, first, styles)


# A heading's number at the start of its line: (chapter word, digits, what follows the digits).
_HEADING_NUMBER = re.compile(r"(บทที่|ส่วนที่|ภาคที่|ตอนที่|chapter|part|section)?\s*([0-9]{1,2}|[๐-๙]{1,2})([.:)]?)"
                             r"(?:\s|(?<=[.:)])(?=[ก-ฮเ-ไ]))", re.I)
# A numbered line may be a heading this much wider than `HEADING_RATIO` allows: large type
# fills a narrow column.
NUMBERED_HEADING_RATIO = 0.9
# ... and a line of large type wraps at the measure, hardly wider than a full line of body type
# (full lines vary by a few characters with word wrap)
_FULL_SLACK = 1.1
_MIN_NUMBERED = 3
# How a heading's number is written: (chapter word, Thai digits, the mark after the digits).
NumberStyle = tuple[str, bool, str]


def _number_style(text: str) -> tuple[NumberStyle, int] | None:
    """The numbering style of a line that opens with a heading's number, and the number."""
    m = _HEADING_NUMBER.match(text)
    if m is None:
        return None
    word, digits, mark = m.groups()
    n = int("".join(str(unicodedata.digit(d)) for d in digits))
    return ((word or "").lower(), digits[0] in "๐๑๒๓๔๕๖๗๘๙", mark), n


def _numbered_headings(body: list[BodyLine], full: float) -> tuple[int | None, set[NumberStyle]]:
    """Headings numbered in one style (`1. `, `บทที่ 2 `, `ส่วนที่ 3: `, `๔. `) count on from 1
    through the document with text between them: where the layout found some of them, a line
    numbered the same way with the next number, title-like and standing at a paragraph's end
    or under a heading, is one too, though the line above it ran near the margin or it is wider
    than an unnumbered heading may be (large type in a narrow column). A numbered list counts
    in lines next to each other, not across paragraphs: such lines are no headings. Returns the
    line of the first heading of a numbering that runs to `_MIN_NUMBERED` or more, if any, and
    the styles of those numberings."""
    first: int | None = None
    counted: set[NumberStyle] = set()
    styles: dict[NumberStyle, list[tuple[int, int]]] = {}
    wide: dict[NumberStyle, list[tuple[int, int]]] = {}  # numbered lines too wide for a heading
    for i, line in enumerate(body):
        m = _HEADING_NUMBER.match(line.text)
        if m is None or line.markers or i + 1 == len(body) or not any(c.isalpha() for c in line.text[m.end():]):
            continue
        if len(line.text.split()) > HEADING_MAX_WORDS or _ends_sentence(line.text):
            continue
        style, n = _number_style(line.text) or (("", False, ""), 0)
        if not line.heading and line.width > NUMBERED_HEADING_RATIO * full:
            wide.setdefault(style, []).append((i, n))
            continue
        styles.setdefault(style, []).append((i, n))
    for style, found in styles.items():
        for (i, n), (j, m) in itertools.pairwise(found):
            if j == i + 1 and m == n + 1:  # items of a list, one to a line
                body[i].heading = body[j].heading = False
        chain = _count_from(found, 1)
        if len(chain) < _MIN_NUMBERED and (style[0] or style[2]):
            # headings too wide for one (long titles in large type, a narrow column): the count
            # runs through them where two or more of it are narrow enough, in a style of its own
            # (`2. `, `ส่วนที่ 3`; a bare `10 ` opens running text too); a line much wider than
            # a full one is a heading run into its paragraph's first line
            fits = [(i, n) for i, n in wide.get(style, []) if body[i].width <= _FULL_SLACK * full]
            through = _count_from(sorted(found + fits), 1)
            if len(through) >= _MIN_NUMBERED and len(set(through) & {i for i, _ in found}) >= 2:
                chain = through
        if len(chain) < _MIN_NUMBERED:
            # the first heading too wide for one, whatever its width, or lost: a count from 2
            # on, as long, opens with it where a line numbered 1 stands before it
            later = _count_from(found, 2)
            ones = [i for i, n in wide.get(style, []) if n == 1 and later and i < later[0] - 1]
            if len(later) >= _MIN_NUMBERED and ones:
                chain = [ones[-1], *later]
        if len(chain) >= 2 and (len(chain) >= _MIN_NUMBERED or any(body[i].heading for i in chain)):
            for i in chain:
                body[i].heading = True
        if len(chain) >= _MIN_NUMBERED:
            first = chain[0] if first is None else min(first, chain[0])
            counted.add(style)
    return first, counted


def _count_from(found: list[tuple[int, int]], start: int) -> list[int]:
    """The lines of ``found`` (line, number) that count on from ``start`` with text between them."""
    chain: list[int] = []
    last_i, last_n = -2, start - 1
    for i, n in found:
        if n == last_n + 1 and i > last_i + 1:
            chain.append(i)
            last_i, last_n = i, n
    return chain


def _numbered_only(body: list[BodyLine], first: int, styles: set[NumberStyle]) -> None:
    """A document that numbers its headings numbers them all, in its own style: after its first
    numbered heading, a short line standing alone without a number is a piece of running text
    (pdftotext sets the pieces of a justified line off by blank lines; pypdfium2 cuts a line at
    a mark), not a heading, and so is one that opens with a bare number where the headings are
    numbered otherwise (`10 ปี หลังจาก…` cut from a paragraph whose headings read `ส่วนที่ 4:`).
    A sub-heading's number (`2.1 `) is no bare number. The lines a numbered heading wrapped onto
    stay part of it."""
    inside = False
    for line in body[first:]:
        if line.heading and not line.continues_heading:
            found = _number_style(line.text)
            bare = found is not None and found[0][0] == found[0][2] == ""
            inside = NUMBERED_HEADING.match(line.text) is not None and not (bare and found[0] not in styles)
            if not inside:
                line.heading = False
        elif line.continues_heading and not inside:
            line.continues_heading = line.heading = False


def _could_head(line: BodyLine, prev: BodyLine | None, full: float, ratio: float = HEADING_RATIO) -> bool:
    """A short title-like line (no wider than ``ratio`` of the full line) standing on its own
    (what `_mark_headings` asks of a heading before it looks at what follows)."""
    return (not line.markers and line.width <= ratio * full and any(c.isalpha() for c in line.text)
            and not _item_or_row(line.text)
            and len(line.text.split()) <= HEADING_MAX_WORDS and not _ends_sentence(line.text)
            and not cut_phrase(line.text, ends=line.gap_before) and (prev is None or prev.heading or ends_paragraph(prev, full)))


def _first_word_width(text: str) -> int:
    """Width of the word a line opens with (Thai words are not spaced: the lexicon's)."""
    head = thai_head(text)
    word = lexicon().segment(head)[0] if head else text.split(" ", 1)[0]
    return display_width(word)


def _wraps_on(above: BodyLine, line: BodyLine, below: BodyLine, full: float) -> bool:
    """``line``, under the heading ``above``, is where that heading wrapped though it heads
    nothing on its own (in large type a narrow column holds a few words a line): the heading
    above opens as a title does (not inside a word, not with a clause word: pdfminer.six's
    pieces of running text read as headings too), the line reads as a title (`_could_head`,
    short of the margin) and not as a clause cut off (`cut_phrase`, `เมื่อ` and `เพื่อ`
    included: a justified Thai column breaks a paragraph's first line short too), goes on in the
    heading's script (`_same_script`), or is the year after an abbreviation (`พ.ศ.` + `2516`),
    and the heading with its first word would have run wider than a one-line heading may. A
    line cut where a note's number opens the line ``below`` (pypdfium2 breaks a line at a raised
    number) cites, as no heading does."""
    return (not line.gap_before and not line.furniture_before and not NUMBERED_HEADING.match(line.text)
            and not starts_inside_word(above.text) and not cut_phrase(above.text, frozenset(), ends=False)
            and not below.opens_with_marker
            and (_could_head(line, above, full, PARAGRAPH_END_RATIO) and not cut_phrase(line.text, frozenset())
                 and _same_script(above.text, line.text)
                 or (_ABBREVIATION_END.search(above.text) is not None and line.text.strip().isdigit()))
            and above.width + 1 + _first_word_width(line.text) > HEADING_RATIO * full)


def _same_script(text: str, after: str) -> bool:
    """``after`` goes on in the script that ``text`` ends in: opens in Thai after Thai, holds
    no Thai after Latin. A title wraps in the middle of its words (`4. American` +
    `Broadcasting`), while a paragraph under a Latin title may open with a Latin name followed by
    Thai (`๓. Packet switching` + `DECnet เป็น ชุด`)."""
    last = next((c for c in reversed(text) if c.isalpha()), "")
    first = next((c for c in after if c.isalpha()), "")
    if not (last and first):
        return True  # (a year, a number: no script to go on in)
    return is_thai(first) if is_thai(last) else not is_thai(after)


def _heading_so_far(body: list[BodyLine], i: int) -> str:
    """The heading that the lines above ``body[i]`` make, its wrapped lines joined."""
    first = i - 1
    while first > 0 and body[first].continues_heading:
        first -= 1
    return " ".join(b.text.strip() for b in body[first:i]) if body[first].heading else ""


def _wrapped_headings(body: list[BodyLine], full: float) -> None:
    """A heading too long for its line wraps (narrow pages, large type): heading lines in a row
    (up to `_MAX_HEADING_LINES`, each no wider than the one it wrapped from and the word that
    did not fit there) are one heading, with the lines a heading wrapped onto though they head
    nothing on their own (`_wraps_on`); so is a short title-like line standing alone just
    above a heading, where no blank line parts them (a "topic: subtitle" line may run as wide
    as a paragraph's last line). A line that opens with a heading's number (`2. `, `บทที่ 3`)
    starts a heading of its own: the one above it is the document's title or the previous
    heading; so does one the paragraph under it restates, one that repeats the end of the line
    above or the start of the heading above (a document's title over its first heading), and
    one that does not go on in the script the line above ends in (`_same_script`: `Scottish
    Parliament` under `รัฐสภาสกอตแลนด์ และประเด็นที่เกี่ยวข้อง`, the two titles of their own)."""
    for i in range(1, len(body)):
        line, above = body[i], body[i - 1]
        if not line.heading and above.heading and i + 1 < len(body) and _wraps_on(above, line, body[i + 1], full):
            line.heading = True  # (`4. American` + `Broadcasting` + `Company` in a narrow column)
        if not line.heading or line.gap_before or line.furniture_before or NUMBERED_HEADING.match(line.text):
            continue
        if i + 1 < len(body) and _opens_under(line, body[i + 1]):
            continue  # the paragraph under it names it whole: nothing above belongs to it
        if _opens_under(above, line) or (i >= 2 and body[i - 2].heading and _opens_under(body[i - 2], above)):
            continue  # a line that restates the heading above it opens that heading's paragraph
        if ends_with(above.text, line.text) or _heading_so_far(body, i).startswith(line.text.strip()):
            continue  # (a title `ราชวงศ์หยวน: ภาพรวมและข้อสังเกต` over the heading `ราชวงศ์หยวน`)
        same_script = _same_script(above.text, line.text)
        if above.heading:
            run = 1
            while run < i and body[i - run].continues_heading:
                run += 1
            # a wrapped line filled its measure: the next line is no wider than it and the word
            # that did not fit on it
            line.continues_heading = (same_script and run < _MAX_HEADING_LINES
                                      and line.width <= above.width + _first_word_width(line.text))
        elif _could_head(above, body[i - 2] if i >= 2 else None, full,
                         PARAGRAPH_END_RATIO if ":" in above.text.rstrip(":") else HEADING_RATIO) \
                and not inside_brackets(body, i - 1):
            above.heading = True
            # one heading with the line under it where that goes on in its script (`ญี่ปุ่น:
            # นวัตกรรม การทูต` + `และความร่วมมือ`), a title of its own over one in another script
            line.continues_heading = same_script
