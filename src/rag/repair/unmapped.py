"""Glyphs an extractor could not map, or mapped to the wrong mark, read back from the dictionary,
one document at a time.

pdfminer.six writes `(cid:N)` for a glyph whose font gives no Unicode for it. LibreOffice's
PDFs of several TLWG faces (Laksaman, Garuda, Umpush, Waree, Kinnari) leave one glyph unmapped,
most often SARA AA, so a whole document reads `ห(cid:3)ก` for `หาก`; Chromium's leave glyph 0
between Latin words. The number names a glyph of one font, not a character, so no table can
map it; but within one document it is always the same glyph, used hundreds of times, so the
character it stands for is the one that makes the most of its contexts dictionary words. That
holds for any font and any producer: the choice is made per document, from its own text, and
a placeholder that no letter explains (the dictionary gains nothing; Chromium's glyph 0 stands
for CJK or other text the font left unmapped) becomes U+FFFD, or is dropped where it is a
control character.

Other fonts map the glyph to a space instead (pdfminer.six and pypdf on LibreOffice + Loma:
`ส ม รถอธิบ ย` for `สามารถอธิบาย`), which no placeholder shows. Such a document has far more
spaces inside Thai words than any other, and one letter explains them: put in every such space,
it leaves the dictionary much less unknown than either the spaces or the words joined without
them do (on 117 development documents x 4 extractors: 0.57 and 0.63 of the unknown characters
on the one document whose font did this, 1.03 or more on the 466 other texts). Only then is
each space weighed on its own.

And some fonts map a mark's glyph to another mark (pypdf and pdfminer.six on LibreOffice's
PDFs: SARA UU as MAI THO in Garuda, SARA U as MAI EK in Laksaman), which shows as a common mark
that a long document never uses (`fill_absent_marks`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from rag.repair.glyphs import order_marks
from rag.thai.chars import CONSONANTS, FOLLOW_VOWELS, LEAD_VOWELS, MARKS, SARA_AA, SARA_AM, TONES
from rag.thai.lexicon import Lexicon

THAI_LETTERS = "\u0e01-\u0e4e"

# pdfminer.six's `(cid:N)`; pypdf's glyph code as a control character (`decode_text` keeps them
# in text the repair reads).
PLACEHOLDER = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0b\x0e-\x1f]")
_SLOT = "\ufffc"  # in a context: another occurrence of the same placeholder
REPLACEMENT = "\ufffd"  # a glyph no letter explains: lost, and shown as lost
# What one glyph can stand for: a Thai letter or mark, or nothing a word needs (a gap).
_CANDIDATES = ("", *CONSONANTS, *LEAD_VOWELS, *FOLLOW_VOWELS, *MARKS)
_REACH = 10  # characters of context either side of an occurrence
_SAMPLE = 80  # occurrences weighed per placeholder (spread over the document)
_AM_TAIL = re.compile(f"{SARA_AM}([{TONES}]?){SARA_AA}")


def _contexts(text: str, token: str) -> list[tuple[str, str]]:
    """(left, right) contexts of each occurrence of placeholder `token`: the word it stands in,
    up to `_REACH` characters either side, with the other placeholders dropped. An occurrence
    that opens a line takes the end of the previous text line as its left (pdfminer.six puts a
    mark it cut off at the start of the next line). Occurrences of the same placeholder in the
    context stay as a slot to be filled alike."""
    out = []
    for m in re.finditer(re.escape(token), text):
        before = text[max(0, m.start() - 200):m.start()]
        line_start = before.rsplit("\n", 1)[-1]
        if not line_start.strip():
            before = before.rstrip()
        left = re.split(r"\s", before)[-1]
        right = re.split(r"[ \t\n\r\f\v]", text[m.end():m.end() + 200])[0]
        left, right = (PLACEHOLDER.sub(lambda k: _SLOT if k.group() == token else "", s) for s in (left, right))
        out.append((left[-_REACH:], right[:_REACH]))
    return out


def _fill(left: str, right: str, ch: str) -> str:
    s = f"{left}{ch}{right}".replace(_SLOT, ch)
    # SARA AM drawn as NIKHAHIT + SARA AA leaves its tail behind it, after a tone too (`กำา`,
    # `นำ้า`): the glyph repair reads these as `กำ`, `น้ำ`; the dictionary must read them alike.
    return _AM_TAIL.sub(lambda m: m.group(1) + SARA_AM, s)


def _choose(contexts: list[tuple[str, str]], lex: Lexicon) -> str | None:
    if len(contexts) > _SAMPLE:
        step = len(contexts) / _SAMPLE
        contexts = [contexts[int(i * step)] for i in range(_SAMPLE)]
    best, best_key = " ", None
    for ch in _CANDIDATES:
        unknown = words = 0
        rarity = 0.0
        for left, right in contexts:
            c = lex.cost(_fill(left, right, ch))
            unknown += c.unknown
            words += c.words
            rarity += c.rarity
        key = (unknown, words, rarity)
        if best_key is None or key < best_key:
            best, best_key = ch, key
    gap = sum(lex.unknown_chars(_fill(left, "", "")) + lex.unknown_chars(_fill("", right, "")) for left, right in contexts)
    # A letter must explain the contexts better than a gap does; otherwise the glyph was a gap.
    return best if best_key is not None and best_key[0] < gap else None


def fill_placeholders(text: str, lex: Lexicon, fixes: Counter[str], kept: dict[str, str] | None = None) -> str:
    """Replace every placeholder in the document by the character the dictionary reads it as
    (most frequent first, each judged with the others left out). A `(cid:N)` that no letter
    explains becomes U+FFFD, one lost character shown as lost (not seven of pdfminer.six's
    notation; and not dropped: a reference's text may open with it, `2 �…. (2002).` is a note,
    `2 . (2002).` is not), and a control character is dropped, as for other text,
    unless it stands for a character ``kept`` names (``stand_ins``): that character comes back."""
    kept = kept or {}
    counts = Counter(m.group() for m in PLACEHOLDER.finditer(text))
    for token, k in counts.most_common():
        ch = _choose(_contexts(text, token), lex)
        if token in kept and not ch:
            ch = kept[token]
        elif ch is None:
            ch = REPLACEMENT if token.startswith("(") else ""
        else:
            fixes["unmapped_glyph"] += k
        text = text.replace(token, ch)
    return text


# A run of Thai words with single spaces between them (a phrase, or a word the font broke up).
_PHRASE = re.compile(f"[{THAI_LETTERS}]+(?: [{THAI_LETTERS}]+)+")
# Glyphs with a width of their own (a mark read as a space leaves no space behind).
_SPACED = (*CONSONANTS, *LEAD_VOWELS, *FOLLOW_VOWELS)
_SPACED_SHARE = 0.8  # the letter leaves at most this share of the unknown characters
_MIN_UNKNOWN = 30  # evidence: unknown characters in the document's spaced phrases
_PHRASES = 150  # phrases weighed for the document-wide test (spread over the document)
_SCREEN = 30


def _unknown(lex: Lexicon, phrases: list[str], fill: str) -> int:
    return sum(lex.unknown_chars(p.replace(" ", fill)) for p in phrases)


def fill_spaced_letter(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """Where the document's font reads one letter as a space (see the module's docstring), put
    the letter back in each space between Thai letters that it makes a better read of."""
    phrases = _PHRASE.findall(text)
    if len(phrases) > _PHRASES:
        step = len(phrases) / _PHRASES
        phrases = [phrases[int(i * step)] for i in range(_PHRASES)]
    base = min(_unknown(lex, phrases, " "), _unknown(lex, phrases, ""))
    if base < _MIN_UNKNOWN:
        return text
    # every letter tried on a few phrases first, the likeliest few on all (the test is run on
    # every document: most have no such font)
    few = sorted(_SPACED, key=lambda ch: _unknown(lex, phrases[:_SCREEN], ch))[:3]
    letter = min(few, key=lambda ch: _unknown(lex, phrases, ch))
    if _unknown(lex, phrases, letter) > _SPACED_SHARE * base:
        return text

    def phrase(m: re.Match[str]) -> str:
        parts = m.group().split(" ")
        gaps = [letter] * (len(parts) - 1)
        for i in range(len(gaps)):
            costs = {}
            for g in (letter, " "):
                gaps[i] = g
                costs[g] = lex.cost(parts[0] + "".join(g + p for g, p in zip(gaps, parts[1:], strict=True))).key()
            gaps[i] = letter if costs[letter] <= costs[" "] else " "
        fixes["spaced_letter"] += sum(g == letter for g in gaps)
        return parts[0] + "".join(g + p for g, p in zip(gaps, parts[1:], strict=True))

    return _PHRASE.sub(phrase, text)


# Marks every Thai text of some length uses (about 0.5-3 % of its letters each): one missing from
# a long document was not missing from the PDF, its font read the glyph as another mark.
_COMMON_MARKS = "\u0e31\u0e34\u0e35\u0e37\u0e38\u0e39\u0e47\u0e48\u0e49\u0e4c"
# What the missing mark may have been read as; not THANTHAKHAT, which stands mostly in names the
# dictionary does not know, where any vowel in its place makes short accidental words.
_READ_AS = _COMMON_MARKS.replace("\u0e4c", "") + "\u0e36\u0e4a\u0e4b"
_MIN_LETTERS = 3000  # Thai letters a document needs before a missing mark says anything
_ABSENT_SHARE = 0.001  # at most this share of the letters: the mark is missing
_MIN_READ = 5  # occurrences of the other mark the missing one must explain
_READ_SHARE = 0.1  # ... and at least this share of them


def _word_around(text: str, i: int) -> tuple[int, int]:
    lo = i
    while lo > 0 and i - lo < _REACH and not text[lo - 1].isspace():
        lo -= 1
    hi = i + 1
    while hi < len(text) and hi - i <= _REACH and not text[hi].isspace():
        hi += 1
    return lo, hi


def _in_order(s: str) -> str:
    """`s` with its marks as the glyph repair will order them (a tone read back before its
    vowel, `อยู่` -> `อยู่`; SARA AM's tail): the dictionary knows words only so."""
    return order_marks(s, Counter())


def _reads_better(text: str, i: int, mark: str, lex: Lexicon, *, whole: bool = False) -> bool:
    """The mark at `i` read as `mark` leaves fewer unknown letters around it (`whole`: none)."""
    lo, hi = _word_around(text, i)
    old = text[lo:hi]
    new = lex.unknown_chars(_in_order(old[: i - lo] + mark + old[i - lo + 1:]))
    return new < lex.unknown_chars(_in_order(old)) and (new == 0 or not whole)


def _word_sample(text: str, mark: str) -> tuple[int, list[int]]:
    """How many distinct words hold `mark` (distinct, so that one name the document repeats is
    not taken for a habit), and a position in each of up to `_SAMPLE` of them, spread over the
    document."""
    words = {text[slice(*_word_around(text, i))]: i for i, ch in enumerate(text) if ch == mark}
    return len(words), list(words.values())[:: max(1, len(words) // _SAMPLE)]


def _reread(text: str, mark: str, as_mark: str, better: Callable[[str, int, str, Lexicon], bool], lex: Lexicon,
            fixes: Counter[str], fix: str) -> str:
    """Read `mark` as `as_mark` wherever `better` says the word around it reads better so."""
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch == mark and better("".join(chars[max(0, i - _REACH - 1):i + _REACH + 2]), min(i, _REACH + 1), as_mark, lex):
            chars[i] = as_mark
            fixes[fix] += 1
    return "".join(chars)


def _thai_letters(text: str) -> int:
    """Thai letters and marks in `text`: how long a document is, for the habits read from it."""
    return sum("\u0e01" <= ch <= "\u0e4e" for ch in text)


def fill_absent_marks(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """A common mark that a long document never shows (LibreOffice's PDFs of several TLWG faces
    read in pdfminer.six and pypdf: no SARA UU in Garuda, `ผ้้` for `ผู้`; no SARA U in
    Laksaman, `ท่ก` for `ทุก`) is read back where the font put another mark for it: the mark
    that the missing one turns into dictionary words most often, and only where it does."""
    letters = _thai_letters(text)
    if letters < _MIN_LETTERS:
        return text
    for missing in _COMMON_MARKS:
        if text.count(missing) > _ABSENT_SHARE * letters:
            continue
        best, best_n = "", 0
        for other in _READ_AS:
            n_words, sample = _word_sample(text, other)
            if not n_words:
                continue
            n = sum(_reads_better(text, i, missing, lex) for i in sample) * n_words / len(sample)
            if n >= _MIN_READ and n >= _READ_SHARE * n_words and n > best_n:
                best, best_n = other, n
        if best:
            text = _reread(text, best, missing, _reads_better, lex, fixes, "absent_mark")
    return text


# A mark read as another in this share of its distinct words, or more, is the face's habit, not
# chance: 55-80 % for SARA UU read back as MAI EK in the five such texts of the development sets
# (LibreOffice's Norasi, Umpush, Kinnari, Purisa), at most 24 % for any pair in other faces' text
# (0 in the article). THANTHAKHAT is left out: it stands in names, where any vowel in its place
# makes short accidental words (32-34 % in Laksaman's and Garuda's text); so is MAITAIKHU, whose
# word `เป็น` extractors cut (`เป็ น`), and `เป้` is a word (55-62 % as MAI THO in pypdfium2's and
# pdftotext's text of faces that swap nothing).
_SWAP_SHARE = 0.45
_SWAPS = _READ_AS.replace("\u0e47", "")
# ... over at least this many distinct words: a rare mark's few words cut at a line break by
# pdfminer.six (`ขึ` + `้น`) read better with another mark by chance (SARA UE as SARA UU in 63 %
# of 43 words of one Laksaman text); the swapped SARA UU stood in 146-211 words a text.
_MIN_SWAP_WORDS = 60
# A shorter text (Kinnari's SARA UU for MAI THO, Sawasdee's for MAI EK: `วูา`) is read for the
# pairs faces swap, on a larger share of fewer words: 0.66-0.73 of 26-63 words in such texts, at
# most 0.41 for any other mark of a text that short.
_MIN_SHORT_LETTERS = 1500
_FACE_SWAPS = "\u0e39\u0e48\u0e49"
_MIN_SHORT_WORDS = 20
_SHORT_SHARE = 0.6
# A second reading of the same mark must read better than the first in this share of its
# words: 25-28 % where Purisa's SARA UU stands for both MAI EK and MAI THO, 0-1 % in the texts
# of faces whose SARA UU stands for one of them (the other then makes words by chance alone).
_SECOND_SHARE = 0.1


def _segmentation(text: str, i: int, mark: str, lex: Lexicon) -> tuple[int, int]:
    """Unknown letters and words of the word around `i` with the mark at `i` read as `mark`."""
    lo, hi = _word_around(text, i)
    old = text[lo:hi]
    cost = lex.cost(_in_order(old[: i - lo] + mark + old[i - lo + 1:]))
    return cost.unknown, cost.words


def _segments_better(text: str, i: int, mark: str, lex: Lexicon) -> bool:
    """The mark at `i` read as `mark` leaves fewer unknown letters around it, or as few in
    fewer words: where both readings are words, the one the dictionary knows as one word
    (`ส่งเสริม`, not `สูง` + `เสริม`). Asked only where the face's habit is established."""
    return _segmentation(text, i, mark, lex) < _segmentation(text, i, text[i], lex)


def _reread_each(text: str, mark: str, readings: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """Read each `mark` as one of `readings` where one segments better than the mark as
    written (`_segments_better`); of several that do, the one that leaves the fewest unknown
    letters in the fewest words, and of words alike the commoner (`ไมู`: `ไม่`, not `ไม้`)."""
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch != mark:
            continue
        window, at = "".join(chars[max(0, i - _REACH - 1):i + _REACH + 2]), min(i, _REACH + 1)
        lo, hi = _word_around(window, at)
        word = window[lo:hi]
        written = lex.cost(_in_order(word))
        costs = []
        for other in readings:
            cost = lex.cost(_in_order(word[: at - lo] + other + word[at - lo + 1:]))
            if (cost.unknown, cost.words) < (written.unknown, written.words):
                costs.append((cost.unknown, cost.words, cost.rarity, other))
        if costs:
            chars[i] = min(costs)[3]
            fixes["swapped_mark"] += 1
    return "".join(chars)


def _second_readings(text: str, mark: str, readings: list[str], sample: list[int], lex: Lexicon) -> str:
    """Of a mark's readings past the share, the first and those that read better than the first
    in `_SECOND_SHARE` of its words: where MAI EK and MAI THO both make words (`ไม่`, `ไม้`) the
    second reads as well as the first by chance in half of them, but better in almost none."""
    first = readings[0]
    out = first
    for other in readings[1:]:
        n = sum(_segmentation(text, i, other, lex) < _segmentation(text, i, first, lex) for i in sample)
        if n >= _SECOND_SHARE * len(sample):
            out += other
    return out


def read_swapped_marks(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """Marks a face's PDF maps to each other's text (LibreOffice's PDFs of several TLWG faces
    read in pypdf and pdfminer.six: `ไมู` for `ไม่`, `อยูาง` for `อย่าง`, and back, `ถ่ก` for
    `ถูก`): where one mark reads better as another in so many of its words that chance does not
    explain it (`_SWAP_SHARE`; the mark that does so most), each is read as the other wherever
    the dictionary reads the word better so (`_segments_better`). One mark may stand for two
    (Purisa's SARA UU for MAI EK and for MAI THO, `ไดู` and `ใหู`): a second reading that
    reads better than the first in enough of its words (`_second_readings`) is weighed beside
    it at every occurrence, and read back as the mark like the first; a shorter text is read
    for SARA UU and the tone marks only (`_FACE_SWAPS`). Runs after `fill_absent_marks`."""
    letters = _thai_letters(text)
    if letters < _MIN_SHORT_LETTERS:
        return text
    long = letters >= _MIN_LETTERS  # (a short text: the pairs faces swap, a larger share of fewer words)
    marks, min_words, share = (_SWAPS, _MIN_SWAP_WORDS, _SWAP_SHARE) if long else (_FACE_SWAPS, _MIN_SHORT_WORDS, _SHORT_SHARE)
    best: tuple[float, str, str] | None = None
    for mark in marks:
        n_words, sample = _word_sample(text, mark)
        if n_words < min_words:
            continue
        readings: list[tuple[float, str]] = []
        for other in marks:
            # a first look at every fourth word of the sample: most pairs read better nowhere
            if other == mark or sum(_reads_better(text, i, other, lex) for i in sample[::4]) < share * len(sample[::4]) / 2:
                continue
            n = sum(_reads_better(text, i, other, lex) for i in sample) * n_words / len(sample)
            if n >= share * n_words:
                readings.append((n / n_words, other))
        if readings and (best is None or max(readings)[0] > best[0]):
            ranked = [o for _, o in sorted(readings, reverse=True)]
            best = (max(readings)[0], mark, _second_readings(text, mark, ranked, sample, lex))
    if best is None:
        return text
    _, mark, readings = best
    text = _reread_each(text, mark, readings, lex, fixes)
    for other in readings:
        text = _reread(text, other, mark, _segments_better, lex, fixes, "swapped_mark")
    return text


# A face that writes a mark before every SARA AM (LibreOffice's PDFs of some documents of
# several faces, in pypdf's and pdfminer.six's text: MAI THO, `ส้ำคัญ` for `สำคัญ`, or SARA UU,
# `ทูำให้` for `ทำให้`): in such a text every SARA AM follows a mark (13 documents of the
# development sets, pypdf's and pdfminer.six's text of each: 1.0); in any other extractor's
# text at most half do (the tone marks of `น้ำ`, `ต่ำ`; 0.50 the most of 1,224 texts), so past
# this share the face put them there.
_ADDED_MARK_SHARE = 0.9
_MIN_AM = 20  # SARA AMs a document needs before their share says anything


def drop_added_marks(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """In a text whose face writes a mark before every SARA AM (`_ADDED_MARK_SHARE`), each such
    mark is dropped where the word reads better without it, read as the glyph repair will
    (`_in_order`: SARA AM's tail too): fewer unknown letters, or as few in fewer words (`สำคัญ`,
    `ผู้นำ`; `คำถาม` rather than `ค้ำ` + `ถาม`); where the word with the mark is the better one
    it stays (`แม่น้ำ`)."""
    marked = [m.start() for m in re.finditer(f"[{MARKS}]{SARA_AM}", text)]
    if text.count(SARA_AM) < _MIN_AM or len(marked) < _ADDED_MARK_SHARE * text.count(SARA_AM):
        return text
    # most such faces write a word's own tone again in SARA AM's tail (`น้ำ้า` for `น้ำ`, where
    # `จ้ำา` is `จำ`), which the glyph repair reads as that tone: where the text shows such
    # tails, of two readings that are words alike (`น้ำ`, `นำ`) the commoner is read, the word's
    # own tone coming back from its tail; where it shows none (the face wrote none, or the
    # extractor lost them: Kinnari's `ไอน้ำ`, steam), the mark stays
    tails = re.search(f"{SARA_AM}[{TONES}]{SARA_AA}", text) is not None
    weighed = 3 if tails else 2  # of Cost.key(): unknown letters, words, and rarity with tails
    chars = list(text)
    for i in marked:
        lo, hi = _word_around(text, i)
        with_mark, without = lex.cost(_in_order(text[lo:hi])), lex.cost(_in_order(text[lo:i] + text[i + 1:hi]))
        if without.key()[:weighed] < with_mark.key()[:weighed]:
            chars[i] = ""
            fixes["added_mark"] += 1
    return "".join(chars)
