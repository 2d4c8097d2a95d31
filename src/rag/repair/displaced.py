"""Marks that an extractor set down one letter away, with a space, and clusters it wrote twice.

Where a consonant carries both an upper vowel and a tone, the two marks are separate glyphs in
the PDF, positioned by the font, and extractors that order text by glyph position put one of
them on the wrong side of the next letter, often with a space where the glyph's box ended:

- the tone after the next letter (pdftotext): `ตัง้ แต่` = `ตั้งแต่`, `นีเ้ กิด` = `นี้เกิด`;
- the vowel after the next letter (pdftotext): `ช่ อื` = `ชื่อ`, `ข้ นึ` = `ขึ้น`;
- the whole cluster again, a letter or two later (pypdfium2 on Chromium's PDFs, which map one
  glyph run to its text twice): `ที่อที่ ยู่` = `ที่อยู่`, `เปรี้ยรี้ ว` = `เปรี้ยว`; or further on,
  alone between spaces (`จะไ ตั้ ด้รับ`, `stray_copies`);
- a tone alone between spaces, letters after its cluster (pypdfium2 on LibreOffice's justified
  lines): `ตังแต่ ้ ~74,000` = `ตั้งแต่ ~74,000` (`drifted_tones`).

Each reading is taken only where a general dictionary then reads the words around it with
fewer unknown letters: `ไม่ ดี` and `ที่ที่` are sound text and stay as written. A document
whose text shows the copies as a habit (`writes_clusters_twice`) has them dropped on weaker
evidence (see `repeated_clusters`).
"""

from __future__ import annotations

import re
from collections import Counter

from rag.thai.chars import CONSONANTS, LEAD_VOWELS, LETTERS, SARA_AA, TONE_LIKE, TONES, spelling_units
from rag.thai.lexicon import Lexicon

_UPPER = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e47"  # ั ิ ี ึ ื ็
_BELOW = "\u0e38\u0e39\u0e3a"  # ุ ู ฺ
_C = f"[{CONSONANTS}]"
# tone after the next letter, then a space or the line's end; not before SARA AA, where the
# space is a SARA AM that lost its circle (`ล้ าสมัย` = `ล้ำสมัย`)
_TONE_AFTER_NEXT = re.compile(f"({_C})([{_UPPER}])([{CONSONANTS}{LEAD_VOWELS}])([{TONES}])(?: (?!{SARA_AA})|$)")
# vowel after the space and the next letter
_VOWEL_AFTER_NEXT = re.compile(f"({_C})([{TONES}]) ({_C})([{_UPPER}])")
# A word the repair makes must be this long (spelling units) or this common (PyThaiNLP's corpus
# frequency cost: ตั้ง, นี้, ขึ้น, ชื่อ are far below it; สี้ 15.2 is above).
_LONG = 4
_COMMON = 12.0
# a consonant with an upper vowel and a tone: the cluster that is written twice
_STACKED = re.compile(f"{_C}[{_UPPER}][{TONES}]")
# What pypdfium2 writes twice: a stacked cluster, or a letter with THANTHAKHAT (`ณ์`, `ธิ์`:
# `ลักษณ์ขณ์ อง`, `สิทธิ์ใธิ์นการ`).
_COPIED = re.compile(f"{_STACKED.pattern}|{_C}[{_UPPER}]?\u0e4c")
# With some faces (Waree) a letter with one mark too (`ษั`, `น้`: `บริษัทษั ก่อสร้าง`,
# `แนวโน้มน้ ที่`): asked only in a text with the habit, with the space right after the copy.
_COPIED_ONE_MARK = re.compile(f"{_COPIED.pattern}|{_C}[{_UPPER}{TONES}]")


def _run_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The Thai letters around text[start:end], across one space on either edge."""
    lo = start
    while lo > 0 and text[lo - 1] in LETTERS:
        lo -= 1
    hi = end
    while hi < len(text) and text[hi] in LETTERS:
        hi += 1
    if hi < len(text) - 1 and text[hi] == " " and text[hi + 1] in LETTERS:
        hi += 1
        while hi < len(text) and text[hi] in LETTERS:
            hi += 1
    return lo, hi


def _unknown(text: str, lex: Lexicon) -> int:
    """Unknown Thai letters in `text`, its spaces read as word breaks."""
    return sum(lex.cost(part).unknown for part in text.split(" "))


def _reads_better(old: str, new: str, at: int, lex: Lexicon) -> bool:
    """`new` leaves fewer unknown Thai letters than `old` (spaces read as word breaks), and the
    word it reads at offset `at` of `new`, where the repair was made, is a long known word or a
    common one (the word list also has rare short entries such as `สี้`): a mark moved into a
    name or a typo only happens to make other pieces read better."""
    if _unknown(new, lex) >= _unknown(old, lex):
        return False
    start = new.rfind(" ", 0, at) + 1
    end = new.find(" ", at)
    part = new[start:end if end >= 0 else len(new)]
    pos = 0
    for token in lex.segment(part):
        if pos <= at - start < pos + len(token):
            return lex.is_word(token) and (spelling_units(token) >= _LONG or _word_cost(token, lex) <= _COMMON)
        pos += len(token)
    return False


def _word_cost(token: str, lex: Lexicon) -> float:
    """A word's corpus frequency cost; for a compound the word list has but the counts do not
    (`ที่จะ`), that of its two commonest known parts together."""
    cost = lex.freq_cost.get(token)
    if cost is not None:
        return cost
    parts = [lex.freq_cost[token[:k]] + lex.freq_cost[token[k:]] for k in range(1, len(token))
             if token[:k] in lex.freq_cost and token[k:] in lex.freq_cost]
    return min(parts, default=lex.rare_cost)


def _apply(text: str, pattern: re.Pattern[str], repl, lex: Lexicon) -> tuple[str, int]:
    count = 0
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        lo, hi = _run_bounds(text, m.start(), m.end())
        candidate = text[:m.start()] + repl(m) + text[m.end():]
        shift = len(candidate) - len(text)
        if _reads_better(text[lo:hi], candidate[lo:hi + shift], m.start() - lo, lex):
            text = candidate
            count += 1
            pos = m.start() + 1
        else:
            pos = m.start() + 1
    return text, count


def _tone_back(m: re.Match[str]) -> str:
    return m.group(1) + m.group(2) + m.group(4) + m.group(3)


def _vowel_back(m: re.Match[str]) -> str:
    return m.group(1) + m.group(4) + m.group(2) + m.group(3)


def displaced_marks(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """Put a tone or vowel set one letter too far back on its letter (see the module doc)."""
    if not any(ch in TONES for ch in text):
        return text
    text, tones = _apply(text, _TONE_AFTER_NEXT, _tone_back, lex)
    text, vowels = _apply(text, _VOWEL_AFTER_NEXT, _vowel_back, lex)
    if tones + vowels:
        fixes["displaced_mark"] += tones + vowels
    return text


# The extractor writes a cluster again where a justified line stretched a gap: a space follows
# the second copy within the rest of its syllable.
_SPACE_WITHIN = 4
# A document whose text shows the copy with its space this many times has the habit (pypdfium2
# on Chromium's PDFs with most fonts: 3-142 in the 81 such documents generated, none in any
# other producer's or extractor's text), and its copies are dropped where the space is missing
# too, or where both readings are dictionary words (`ที่มีที่ มีประชากร`).
_HABIT = 3
_COPY_SPACED = re.compile(f"({_STACKED.pattern})(\\S{{1,3}}?)\\1 ")


def writes_clusters_twice(raw: str) -> bool:
    """Does the extractor write stacked clusters twice in this text (see `repeated_clusters`)?"""
    count = 0
    for _ in _COPY_SPACED.finditer(raw):
        count += 1
        if count >= _HABIT:
            return True
    return False


# A printed line pypdfium2 ended after a cluster's copy, its space and the rest of its syllable
# (`เป็นที่รู้ที่ รู้` + `จักในชื่อ`): Thai letters after it, no closing mark. A copy with
# nothing after it (`หลายครั้งรั้`), or a quotation closed after it (`ทั่วทั่ โลก"`), may end a
# paragraph.
_ENDS_AFTER_COPY = re.compile(f"({_STACKED.pattern})(\\S{{1,3}}?)\\1 [\u0e01-\u0e4e]{{1,4}}$")


def without_copies(line: str) -> str:
    """The line with each copy that has its space after it left out: what the printed line
    held, to measure it."""
    return _COPY_SPACED.sub(r"\1\2", line)


# A cluster standing alone: a letter with an upper vowel, and a tone or THANTHAKHAT on it or
# not (`นี้`, `ธิ์`, `จึ`).
_LONE_CLUSTER = re.compile(f"{_C}[{_UPPER}][{TONE_LIKE}]?")


def copies_end_of(line: str, above: str) -> bool:
    """``line`` is nothing but a cluster that ends the line ``above`` (within its last
    letters): pypdfium2 wrote Chromium's cluster again and cut the line on both sides of the
    copy (`โลกของตนเองขึ้น` + `ขึ้` + `ใหม่อย่าง…`, `ของผู้มีสิทธิ์เ` + `ธิ์` + `ลือกตั้ง…`)."""
    return _LONE_CLUSTER.fullmatch(line.strip()) is not None and line.strip() in above.rstrip()[-_SPACE_WITHIN - 2:]


def ends_after_copy(line: str) -> bool:
    """The line ends where pypdfium2 cuts after a cluster it wrote twice (see `cut_lines`)."""
    return _ENDS_AFTER_COPY.search(line.rstrip()) is not None


# A tone alone between two spaces: no Thai word holds one so.
_LONE_TONE = re.compile(f"(?<= )[{TONES}](?= |$)")
# How many characters back a tone may have drifted from its cluster (one printed line's words)
_DRIFT = 30
# A word this short before a lone tone is a line spelt out a letter at a time
_SPACED_OUT = 3
# A cluster that holds a tone past its other marks and vowels, before the next letter
_TONE_FURTHER_ON = re.compile(f"[^{CONSONANTS} ]*[{TONES}]")


def drifted_tones(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """LibreOffice's justified lines, read by pypdfium2: a tone alone between two spaces some
    letters after its cluster, the further the longer the line ran (`ตังแต่ ้ ~74,000`,
    `ครอบคลุมทังศิลปะประยุกต์และวิทย ้ าศาสตร์`): the glyph kept its place while justification
    moved the letters. It goes back, within `_DRIFT` characters before it, onto the letter (or
    its vowel) with no tone where the dictionary reads its words best, if any reads better than
    without it; elsewhere it is left to the other rules. The nearest cluster that reads better
    is often not it (`คอลเล็กชั้นต่` for `นี้` 13 letters back), hence the best."""
    pos = 0
    while (m := _LONE_TONE.search(text, pos)) is not None:
        tone, start = m.group(0), m.start()
        word_before = text[text.rfind(" ", 0, start - 1) + 1:start - 1]
        if (start > 1 and text[start - 2] in _UPPER) or len(word_before) < _SPACED_OUT:
            # (`ทงั ้`, `นี ้`: pdftotext's vowel after the next letter, `displaced_marks`; a line
            # spelt out a letter at a time, `เ น ่ ื อ ง`, `letter_spaced`)
            pos = m.end()
            continue
        rest = text[:start - 1] + text[m.end():]  # the tone and the space before it taken out
        best: tuple[tuple[int, int, float], int] | None = None
        for p in range(start - 1, max(0, start - 1 - _DRIFT), -1):
            before = rest[p - 1]
            if not (before in CONSONANTS or (before in _UPPER + _BELOW and p > 1 and rest[p - 2] in CONSONANTS)):
                continue
            if rest[p:p + 1] and rest[p] in TONE_LIKE + _UPPER + _BELOW:
                continue  # the cluster has its tone, or its vowel comes after (the tone goes on it)
            if _TONE_FURTHER_ON.match(rest, p):
                continue  # (`นำ้า`: a tone after SARA AM)
            lo = rest.rfind(" ", 0, p) + 1
            hi = rest.find(" ", p)
            hi = len(rest) if hi < 0 else hi
            old, new = lex.cost(rest[lo:hi]), lex.cost(rest[lo:p] + tone + rest[p:hi])
            gain = (new.unknown - old.unknown, new.words - old.words, new.rarity - old.rarity)
            if gain < (0, 0, 0.0) and (best is None or gain < best[0]):
                best = (gain, p)
        if best is None:
            pos = m.end()
            continue
        p = best[1]
        text = rest[:p] + tone + rest[p:]
        fixes["drifted_tone"] += 1
        pos = p + 1
    return text


# A cluster that pypdfium2 writes twice (`_COPIED`: `ตั้`, `ซึ่`, `ธิ์`) standing alone between spaces
_STRAY = re.compile(f"(?:(?<= )|^)({_COPIED.pattern})(?= |$)")


def stray_copies(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """In a text whose extractor writes clusters twice, with some faces (Loma) the copy lands
    away from its cluster, alone between two spaces, even inside a word (`จะไ ตั้ ด้รับการ
    จัดตั้งใน ตั้ เอดินบะระ`). A cluster alone that is no word, written in a word of the same
    line too, is such a copy and goes with one of its spaces; the spaces left inside a word are
    the other rules' to read (`ไ ด้รับ`)."""
    pos = 0
    while (m := _STRAY.search(text, pos)) is not None:
        cluster = m.group(1)
        rest = text[:m.start()] + text[m.end():]
        if lex.is_word(cluster) or cluster not in rest:
            pos = m.end()
            continue
        start = m.start() - 1 if m.start() else m.start()
        text = text[:start] + text[m.end():]
        fixes["stray_copy"] += 1
        pos = max(start, 0)
    return text


def repeated_clusters(text: str, lex: Lexicon, fixes: Counter[str], twice: bool = False) -> str:
    """Drop a stacked cluster written again a letter or two after itself (`ที่อที่ ยู่`), with
    the space after it, or with the letters before it where they too are written twice
    (`นี้ช่นี้ ช่วย`). A space just after the second copy's syllable is the extractor's signature
    (``_SPACE_WITHIN``); a cluster repeated inside a run of Thai (`ชื่ชื่อ`) could be the
    writer's own and is left alone, unless the document has the habit (`twice`): then a copy
    with no space after it goes where the dictionary reads the text better without it
    (`ตั้งตั้ถิ่น`), and an exact copy of cluster and letters with the space between them
    (`ที่มีที่ มี`) goes where the text reads no worse without it. A letter with THANTHAKHAT
    written twice (`ลักษณ์ขณ์ อง`), or a letter with one mark (`บริษัทษั ก่อสร้าง`, Waree), goes only
    in such a document, with the space right after the copy, or with none a letter after its
    cluster where the dictionary reads the words better (`ไรน์ไน์หลเข้า`): `ฮาร์วาร์ด` and
    `อาร์เธอร์ดาร์วิลล์` repeat one as written, and pdftotext spells some lines out with a space
    after every letter."""
    pos = 0
    copied = _COPIED_ONE_MARK if twice else _COPIED
    while (m := copied.search(text, pos)) is not None:
        cluster = m.group(0)
        again = text.find(cluster, m.end(), m.end() + 3 + len(cluster))
        pos = m.start() + 1
        if again < 0:
            continue
        end = again + len(cluster)
        spaced = " " in text[end:end + _SPACE_WITHIN]
        stacked = _STACKED.fullmatch(cluster) is not None
        if not (twice or (spaced and stacked)):
            continue  # (a letter with THANTHAKHAT, or one mark, only in a document with the habit:
            # `ฮาร์วาร์ด` is a name, and pdftotext spells some lines out letter by letter)
        # such a copy with no space right after it goes only a letter after its cluster and where
        # the dictionary reads the words better without it (`ไรน์ไน์หลเข้า`), never as an exact copy
        strict = not stacked and text[end:end + 1] != " "
        if strict and len(text[m.end():again]) > 1:
            continue  # (`ไรน์ไน์หล`, `สิทธิ์เธิ์ลือก`; names repeat one further on: `อาร์เธอร์ดาร์วิลล์`)
        if text[end:end + 1] == " ":
            end += 1
        lo, hi = _run_bounds(text, m.start(), end)
        between = text[m.end():again]
        # the letters between the copies go with the second copy only where they too are written
        # again after it (`นี้ช่นี้ ช่วย`)
        exact = text.startswith(between, end)
        cuts = (again, m.end()) if exact else (again,)
        for cut_from in cuts:
            candidate = text[:cut_from] + text[end:]
            old, new = text[lo:hi], candidate[lo:hi - (end - cut_from)]
            if _reads_better(old, new, max(cut_from - 1, m.start()) - lo, lex) or (
                    twice and not strict and exact and cut_from == m.end() and text[again + len(cluster):][:1] == " "
                    and _unknown(new, lex) <= _unknown(old, lex)):
                text = candidate
                fixes["repeated_cluster"] += 1
                break
    return text
