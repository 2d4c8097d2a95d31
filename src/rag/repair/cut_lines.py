"""Printed lines that pypdfium2 cut in two, put back together before the layout is read
(`reflow` calls these where the text is a page's printed lines): at a superscript note number,
after a mark it set off the baseline, and, on Chromium's PDFs, after a stacked cluster it wrote
twice."""

from __future__ import annotations

import re

from rag.repair.columns import NUMBERED_LINE
from rag.repair.displaced import copies_end_of, ends_after_copy, without_copies, writes_clusters_twice
from rag.repair.layout import (
    FILLER,
    PAGE_NUMBER,
    PAGEBREAK,
    is_endnote_heading,
    printed_page_number,
    thai_share,
)
from rag.repair.lines import (
    CUT_LINE_MAX,
    CUT_LINE_MIN,
    GLUES_MARKER,
    LONE_NUMBER,
    full_width,
    is_text,
    line_width,
    next_line,
    next_text,
    prev_line,
    starts_inside_word,
)
from rag.repair.titles import restates
from rag.thai.chars import CONSONANTS, LEAD_VOWELS, LETTERS, thai_head, thai_tail
from rag.thai.lexicon import Lexicon

# A line cut at a superscript note number (pypdfium2 starts a new line where the baseline rises
# and again where it falls back): the number ends the line, glued to what it cites, or stands
# alone on a line of its own; LibreOffice may leave a space before it, which pypdfium2 keeps.
_MARKER_END = re.compile(r"[^\s\d.,:;/\-–] ?[0-9]{1,3}$")
_SPACED_PIECE_MAX = 1.3
_TITLE_WORDS = 6
# A Latin name that ends with digits (`Internet2`, `G20`, `CO2`), as a document may write it inside
# a line: its digits are the name's, no marker.
_NAMED_NUMBER = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z]*[0-9]{1,3}(?=[\s,.;:)]+\S)")


def _names_with_digits(texts: list[str]) -> set[str]:
    """The Latin names ending with digits that the text writes inside a line, words after them."""
    return {m.group() for t in texts for m in _NAMED_NUMBER.finditer(t)}


def join_marker_cuts(texts: list[str], kinds: list[str]) -> int:
    """pypdfium2 ends a printed line at a superscript note number and puts the rest of it on a
    line of its own, opening with the space that followed the number (`...ในปี7` + ` 1901 ใน
    จำนวน`), or sets the number alone between the two (`ค.ศ.` + `8` + ` 1967 เป็น`). A line
    that opens with a space after such a line is its rest and goes back onto it. Where the
    document shows that habit, a rest that opens without a space goes back too if the two pieces
    together are about one full line wide: a paragraph that ends with a marker, followed by a
    short heading, is narrower, and a heading the next line restates (`titles`) stays apart
    however long the line above it ran. A name the document writes with its digits inside a
    line (`ชุมชน Internet2 ประกาศ…`) ends no line at a marker (`…เครือข่าย Internet2` +
    `เภสัชกรรม`, a heading). Returns how many pieces were put back."""
    full = full_width(texts, kinds)
    names = _names_with_digits(texts)

    def cut_at(i: int) -> tuple[int, int] | None:
        """(the number's line or -1, the rest's line) when line i ends at a marker."""
        t = texts[i]
        if kinds[i] or not t.strip() or t[-1:].isspace() or t.split()[-1] in names:
            return None
        j = next_line(texts, kinds, i)
        if is_text(texts, kinds, j) and LONE_NUMBER.match(texts[j]) and GLUES_MARKER.search(t):
            k = next_line(texts, kinds, j)
            if is_text(texts, kinds, k) and texts[k][:1] == " ":
                return j, k
        m = _MARKER_END.search(t)
        spaced = m is not None and " " in m.group()
        # a spaced number ends a title (`2. ซูเปอร์โบวล์ 50`) or a page's header (`หน้า 122`,
        # `บทความปริทัศน์` + `Page 308`)
        header = not is_text(texts, kinds, prev_line(kinds, i)) or _under_page_header(texts, kinds, i)
        if m and is_text(texts, kinds, j) and not (spaced and (NUMBERED_LINE.match(t) or header)):
            return -1, j
        return None

    joined = 0
    for i in range(len(texts)):
        while (cut := cut_at(i)) is not None:  # the rest may end at the next marker in turn
            num, j = cut
            rest = texts[j]
            after = next_text(texts, kinds, j)
            if starts_inside_word(rest.lstrip()) or is_endnote_heading(rest) or (rest[:1] != " " and (
                    (after is not None and restates(rest, after)) or _latin_title_under_thai(texts[i], rest))):
                break
            number = texts[num].strip() if num >= 0 else ""
            width = line_width(texts[i]) + len(number) + 1 + line_width(rest)
            if rest[:1] == " ":
                if width > _SPACED_PIECE_MAX * full:
                    break
            elif num >= 0 or NUMBERED_LINE.match(rest) or not CUT_LINE_MIN * full <= width <= CUT_LINE_MAX * full:
                break
            texts[i] = texts[i] + number + " " + rest.lstrip()
            for k in range(i + 1, j + 1):
                kinds[k], texts[k] = FILLER, ""
            joined += 1
    return joined


# Words an English title leaves in lower case
_TITLE_SMALL = frozenset("a an and at by for from in of on or the to with".split())


def _latin_title_under_thai(line: str, rest: str) -> bool:
    """``rest``, a Latin title (`Introduction`, `Scottish Parliament`: a few words, each
    capitalised but the small ones), follows a Thai line that ends at a marker: a heading after
    the paragraph that the marker ended, not the rest of a Thai printed line, which goes on in
    Thai or cites a name in the middle of a sentence."""
    words = rest.split()
    return (thai_share(line) > 0.5 and 0 < len(words) <= _TITLE_WORDS and thai_share(rest) == 0
            and all(w[:1].isupper() and w.isalpha() or (k and w in _TITLE_SMALL) for k, w in enumerate(words)))


def _opens_heading(text: str, after: str | None) -> bool:
    """`text` (the line after a cut-looking one, `after` the line after it) opens a heading of
    its own: numbered, the endnotes', or one the line after it names (`titles.restates`)."""
    return bool(NUMBERED_LINE.match(text)) or is_endnote_heading(text) or (after is not None and restates(text, after))


# Lines at a page's top (after its form feed) that may be its running header and number.
_PAGE_TOP = 4
# Text lines a running header may take above the one that ends with the page's number.
_HEADER_LINES = 2


def _page_top(kinds: list[str], i: int) -> bool:
    """Line i is among a page's first `_PAGE_TOP` lines (the text's first lines are its first
    page's), where a running header and the page's number stand."""
    return i < _PAGE_TOP or any(kinds[k] == PAGEBREAK for k in range(i - _PAGE_TOP, i))


def _under_page_header(texts: list[str], kinds: list[str], i: int) -> bool:
    """Line i follows a page break (or opens the text) with at most `_HEADER_LINES` text lines
    between (`บทความปริทัศน์` + `Page 308`; a header pdfminer.six cut in pieces)."""
    above = 0
    for k in range(i - 1, -1, -1):
        if kinds[k] == PAGEBREAK:
            return True
        if is_text(texts, kinds, k):
            above += 1
            if above > _HEADER_LINES:
                return False
    return True


# A note's number opening the rest of a printed line (`1 ปัจจุบันสะพาน…`).
_RESTED = re.compile(r"[1-9][0-9]{0,2} (?=\S)")


def join_marker_rests(texts: list[str], kinds: list[str]) -> int:
    """Chromium prints a note's number as raised text and pypdfium2 starts a new line at it: the
    rest of the printed line follows the number on a line of its own (`ด้าน` + `1 ปัจจุบัน…`), or
    the number stands alone with the rest on the line after it (`ยุทธศาสตร์` + `2` + `และ…`).
    Where the notes are endnotes under a heading (no page-foot block to mistake), such a rest
    above the heading goes back onto the line before it, number and all, with the space it
    opened with (a number that is the text's own, `ครั้งที่` + `9 โดยมี…`, is then not glued to a
    word as a marker is), if the pieces together are about one printed line wide and the numbers
    so read count up. Not near a page break or at the text's start, where a number alone is the
    page's and a line that opens with one follows the running header (`- 27 -` + `25 ศพ…`).
    Returns how many rests were put back."""
    heading = next((i for i, t in enumerate(texts) if not kinds[i] and is_endnote_heading(t)), None)
    if heading is None:
        return 0
    full = full_width(texts, kinds)
    rests: list[tuple[int, int]] = []  # (the number's line, the rest's line)
    for j in range(heading):
        if kinds[j] or _page_top(kinds, j) or any(kinds[k] == PAGEBREAK for k in range(j, j + 3)):
            continue
        if _RESTED.match(texts[j]):
            rests.append((j, j))
        elif LONE_NUMBER.match(texts[j].strip()):
            k = next_line(texts, kinds, j)
            if k < heading and is_text(texts, kinds, k) and not texts[k][:1].isdigit():
                rests.append((j, k))
    numbers = [int(texts[j].split()[0]) for j, _ in rests]  # (a lone number may stand indented: -layout)
    if numbers != sorted(set(numbers)):
        return 0
    joined = 0
    for j, k in reversed(rests):
        i = prev_line(kinds, j)
        rest = texts[j].strip() + " " + texts[k] if k != j else texts[j]
        words = texts[k] if k != j else texts[j].split(" ", 1)[1]
        if _opens_heading(words, next_text(texts, kinds, k)):
            continue  # a heading under a number that ended the paragraph above (`4` + `บทที่ 3 ชาวนอร์มัน`)
        if (i < 0 or not is_text(texts, kinds, i) or PAGE_NUMBER.match(texts[i])
                or line_width(texts[i]) + line_width(rest) > CUT_LINE_MAX * full):
            continue
        texts[i] = texts[i].rstrip() + " " + rest
        for m in range(i + 1, k + 1):
            kinds[m], texts[m] = FILLER, ""
        joined += 1
    return joined


# Lines that are a copy alone: this many in a document are the extractor's habit (a line break
# may fall between `ที่` and `ที่` in a writer's own text once).
_LONE_COPIES = 3


def drop_lone_copies(texts: list[str], kinds: list[str]) -> int:
    """Where pypdfium2 cut a printed line on both sides of a cluster it wrote twice, the copy
    stands alone on a line under the line it copies (`…ของตนเองขึ้น` + `ขึ้` + `ใหม่…`; two in a
    row, `นี้` + `จึ`) and read as a heading or glued to the next line's start; a document that shows it
    `_LONE_COPIES` times or more has the copies dropped, and the rest of the printed line
    after each goes back onto the line it copies where the two fit on one printed line and the
    rest opens no heading of its own. Returns how many copies were dropped."""
    lone: list[int] = []
    for j in range(len(texts)):
        i = prev_line(kinds, j)
        while lone and i == lone[-1]:  # (copies in a row, `นี้` + `จึ`, copy the same line)
            i = prev_line(kinds, i)
        if is_text(texts, kinds, j) and is_text(texts, kinds, i) and copies_end_of(texts[j], texts[i]):
            lone.append(j)
    if len(lone) < _LONE_COPIES:
        return 0
    for j in lone:
        kinds[j], texts[j] = FILLER, ""
    full = full_width(texts, kinds)
    done: set[int] = set()
    for j in reversed(lone):
        i, k = prev_line(kinds, j), next_line(texts, kinds, j)
        if i in done or not is_text(texts, kinds, i) or not is_text(texts, kinds, k) \
                or _opens_heading(texts[k], next_text(texts, kinds, k)) \
                or line_width(texts[i]) + line_width(texts[k]) > CUT_LINE_MAX * full:
            continue
        done.add(i)
        texts[i] = texts[i].rstrip() + texts[k]
        kinds[k], texts[k] = FILLER, ""
    return len(lone)


def join_copy_cuts(texts: list[str], kinds: list[str]) -> int:
    """Put back onto its line the text pypdfium2 set on the next one after a cluster it wrote
    twice (`เป็นที่รู้ที่ รู้` + `จักในชื่อ`), in a document with that habit
    (`displaced.writes_clusters_twice`): the copy is then dropped with the rest of the line in
    view, and the short piece no longer reads as a paragraph's end or a heading. The two must
    fit on one printed line (the copies left out of the measure), and what follows must not
    open a heading of its own (numbered, the endnotes', or one the next line restates): a
    paragraph may end on such a copy too. Returns how many lines were put back."""
    if not writes_clusters_twice("\n".join(t for t, k in zip(texts, kinds, strict=True) if not k)):
        return 0
    full = full_width(texts, kinds)
    joined = 0
    for i in range(len(texts) - 1, -1, -1):
        if kinds[i] or not ends_after_copy(texts[i]):
            continue
        j = next_line(texts, kinds, i)
        if not is_text(texts, kinds, j) or texts[j][:1] not in LETTERS:
            continue
        if (_opens_heading(texts[j], next_text(texts, kinds, j))
                or line_width(without_copies(texts[i] + " " + texts[j])) > CUT_LINE_MAX * full):
            continue
        texts[i] = texts[i].rstrip() + texts[j]
        for k in range(i + 1, j + 1):
            kinds[k], texts[k] = FILLER, ""
        joined += 1
    return joined


# What a line that pypdfium2 cut after a mark it set off the baseline ends with, the fewest such
# cuts that show the habit, and whether its pieces come one under the other and may be
# narrower than a printed line (cut three times): a below vowel (and the marks above that
# letter); marks above the letter alone (an upper vowel, a tone), where the habit must show on
# more lines, text ending lines on `ได้`, `ที่` far more often than on a below vowel.
_BELOW_VOWEL_CUT = (re.compile("[\u0e38\u0e39\u0e3a][\u0e47-\u0e4e]*$"), 3, False)
_ABOVE_MARK_CUT = (re.compile("[^\u0e31\u0e34-\u0e3a\u0e47-\u0e4e][\u0e31\u0e34-\u0e37\u0e47-\u0e4e]+$"), 10, True)


def _mark_cuts(above: bool) -> tuple[tuple[re.Pattern[str], int, bool], ...]:
    """The cuts looked for: after a below vowel, and with ``above`` after an upper mark too (not
    in pdfminer.six's boxes)."""
    return (_BELOW_VOWEL_CUT, _ABOVE_MARK_CUT) if above else (_BELOW_VOWEL_CUT,)


# The habit shows where most lines ending with such a mark are cut (the two pieces make one
# printed line): a document's own line ends fall on one now and then, full lines.
_CUT_HABIT = 0.5
# What opens a word: the rest of a word cut after a mark opens with one of these.
_CONSONANTS_AND_LEADS = frozenset(CONSONANTS + LEAD_VOWELS)
# A line this wide ran to the margin: what ends it ended the printed line.
_FULL_BEFORE_CUT = 0.9


def join_word_cuts(texts: list[str], kinds: list[str], opens_page: list[bool], lex: Lexicon, *,
                   above: bool = True) -> int:
    """A cut after a below vowel or an upper mark, one at a time: pypdfium2 ends a line of
    LibreOffice's justified text after a vowel set below its letter, or a tone set apart above
    it, in faces that show no habit of it (`join_mark_cuts`), a few times a document, inside a
    word and inside a title as often as in running text (`บทสรุปผู้` + `บริหารของ… ของผู้` +
    `กำหนด`, `๒. ระบบภูมิคุ้` + `มกัน`, `ตามปกติแล้` + `วเขตอำนาจศาล…`). Where the dictionary reads
    one word across the break (`ผู้บริหาร`, `ภูมิคุ้มกัน`, `แล้ว`) and the two make at most one
    printed line, the first short of a full one, they go back together, the last pair first so
    that a line cut twice comes back whole: a line that ended on `ได้`, `ที่` or `ให้` ran to the
    margin, and the line under it may read on (`…เป็นที่แรกที่ให้` + `บริการเช่นนี้`, a paragraph's
    last). A printed line's end seldom falls inside a word (LibreOffice, Chromium and XeLaTeX
    break Thai lines between words), and a rest that opens a page, a numbered heading or an
    endnote heading stays, as does a page's number (`…หลายปี` + `หน้า 2`). ``above``: False for
    pdfminer.six's boxes, whose lines are no printed lines to be cut after a tone (a box's row
    ends on `แพร่` before `กระจาย…`). Returns how many rests were put back."""
    full = full_width(texts, kinds)
    cuts = [end for end, _, _ in _mark_cuts(above)]
    pairs: list[tuple[int, int]] = []
    for i, t in enumerate(texts):
        if kinds[i] or not any(end.search(t.rstrip()) for end in cuts):
            continue
        j = next_line(texts, kinds, i)
        if is_text(texts, kinds, j) and not opens_page[j] and texts[j][:1] in _CONSONANTS_AND_LEADS:
            pairs.append((i, j))
    joined = 0
    for i, j in reversed(pairs):
        if kinds[i] or kinds[j] or NUMBERED_LINE.match(texts[j]) or is_endnote_heading(texts[j]) \
                or printed_page_number(texts[j]) \
                or line_width(texts[i]) >= _FULL_BEFORE_CUT * full \
                or line_width(texts[i]) + line_width(texts[j]) > CUT_LINE_MAX * full \
                or not _one_word_across(texts[i].rstrip(), texts[j], lex):
            continue
        texts[i] = texts[i].rstrip() + texts[j]
        kinds[j], texts[j] = FILLER, ""
        joined += 1
    return joined


def _one_word_across(before: str, after: str, lex: Lexicon) -> bool:
    """The dictionary reads a word it knows across the join of ``before`` and ``after``."""
    tail, head = thai_tail(before), thai_head(after)
    start = 0
    for word in lex.segment(tail + head):
        end = start + len(word)
        if start < len(tail) < end:
            return not lex.is_unknown(word)
        start = end
    return False


def join_mark_cuts(texts: list[str], kinds: list[str], opens_page: list[bool], *, above: bool = True) -> int:
    """pypdfium2 starts a new line where a glyph leaves the line's baseline: with a face that
    sets its below vowels low (Umpush, large type), it cuts a printed line after nearly every
    below vowel (`เหนือ/ใต้สายหลักที่เชื่อมแหล่งที่อยู่` + `อาศัยหลักของ…`), and with one that
    sets its upper marks apart (Kinnari) after an upper vowel or a tone (`ภายใต้` + `การนำของ…`,
    `ต้` + `องห`). Where most lines that end with marks of one kind (below, above) make one
    printed line with the line after them (together between `CUT_LINE_MIN` and `CUT_LINE_MAX`
    of a full line; after an upper mark, where a printed line cut three times leaves narrower
    pieces, at most `CUT_LINE_MAX`), that is the extractor's habit, and those pairs go back
    together; a full line that ends with such a mark, followed by the next full line, is wider.
    A rest that opens a page, a numbered heading or an endnote heading stays. ``above``: False
    for pdfminer.six's boxes, where a heading's box may stand between a line's pieces. Returns
    how many rests were put back."""
    full = full_width(texts, kinds)
    joined = 0
    for end, least, narrow in _mark_cuts(above):

        def one_line(i: int, j: int, narrow: bool = narrow) -> bool:
            pair = line_width(texts[i]) + line_width(texts[j])
            return (narrow or CUT_LINE_MIN * full <= pair) and pair <= CUT_LINE_MAX * full

        ends: list[tuple[int, int]] = []
        for i, t in enumerate(texts):
            if kinds[i] or not end.search(t):
                continue
            j = next_line(texts, kinds, i)
            if is_text(texts, kinds, j) and not opens_page[j] and not (narrow and j != i + 1):
                ends.append((i, j))
        cuts = sum(one_line(i, j) for i, j in ends)
        if cuts < least or cuts <= _CUT_HABIT * len(ends):
            continue
        for i, j in reversed(ends):  # from the last, so a line cut twice comes back whole
            if kinds[i] or kinds[j] or NUMBERED_LINE.match(texts[j]) or is_endnote_heading(texts[j]) \
                    or not one_line(i, j):
                continue
            texts[i] += texts[j]
            kinds[j], texts[j] = FILLER, ""
            joined += 1
    return joined
