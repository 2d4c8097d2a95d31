"""Glyph repair of one line of PDF-extracted Thai text (rules 1, 2, 3, 5, 6, 7 of CONVENTIONS.md).

Each rule is a small function that counts its fixes under one name, so `rag clean --report`
can say what was repaired. The order matters: characters are cleaned first (private-use
glyphs, controls), then mark order and marks on the wrong side of a space, then the
space-related damage, whose fixes need a dictionary (lost SARA AM, letter-spaced runs,
spurious spaces: `repair/spacing.py`), and last the marks that slid to the next letter (`repair_vowels`), which
only show once words are whole again.

Written by hand: PyThaiNLP's `normalize` covers mark order but deletes marks it finds after a
space (they are the misplaced vowels we must put back) and has no notion of SARA AM split into
a space, letter-spacing or PDF private-use glyphs; `fixthaipdf` rewrites by word-pair tables and
loses per-rule counts. Both are compared against this module in eval/bench_repair.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from rag.repair.displaced import displaced_marks, drifted_tones, repeated_clusters, stray_copies
from rag.repair.spacing import digit_spacing, letter_spaced, split_am, spurious_spaces, tidy_spaces
from rag.repair.vowels import slid_marks
from rag.thai.chars import (
    CONSONANTS,
    DIGITS,
    MARKS,
    NIKHAHIT,
    SARA_AA,
    SARA_AM,
    THANTHAKHAT,
    TONE_LIKE,
    TONES,
    VOWEL_MARKS,
    is_private_use,
    is_symbol_font_pua,
    pua_thai,
)
from rag.thai.lexicon import Lexicon, lexicon

#: Put after digits found inside a syllable (`แม1่2`): the marker stage knows they are a marker.
SURE = "\x1f"

_C = f"[{CONSONANTS}]"
_M = f"[{MARKS}]"
_D = f"[{DIGITS}]"
_T = f"[{TONES}]"

# Characters outside printable ASCII and the Thai block: the only ones that need a look.
_UNUSUAL = re.compile(r"[^\x20-\x7e\u0e01-\u0e5b]")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
# What a PDF's text layer spells a hyphen: U+2010 (XeTeX's fonts map their hyphen glyph to it),
# U+2011 (non-breaking); read as the hyphen-minus a user types and searches with.
HYPHENS = {"\u2010": "-", "\u2011": "-"}

_NIKHAHIT_AA = re.compile(f"{NIKHAHIT}({_T}?){SARA_AA}|({_T}){NIKHAHIT}{SARA_AA}|{SARA_AA}{NIKHAHIT}")
# SARA AM written and then its SARA AA again (pypdf, pdfminer.six: `ทำาให้`, `นำ้า`; a bold face
# may put a stray `!` between them).
_AM_DOUBLED = re.compile(f"{SARA_AM}({_T}?)!?{SARA_AA}")
_SARA_E_PAIR = re.compile("\u0e40\u0e40")
_LAKKHANGYAO = re.compile("(?<![\u0e24\u0e26])\u0e45")
# A marker's digits pushed inside a syllable: `แม1่2` = `แม่` + marker 12.
_DIGITS_IN_SYLLABLE = re.compile(f"({_C}{_M}*)({_D}+){SURE}?({_M}+)({_D}*){SURE}?")
# A mark that landed after the space that follows its letter: `ภาค ีและ`.
_DETACHED_MARK = re.compile(f"({_C}{_M}*) +({_M}+)")
_DETACHED_AM = re.compile(f"({_C}{_T}?) +{SARA_AM}")
# Tone before its letter's vowel (`ท้ัง`); THANTHAKHAT only before the vowels it can follow
# (`ธ์ุ` -> `ธุ์`), so a typo such as `น์ั` in clean text is left as written.
_TONE_BEFORE_VOWEL = re.compile(f"({_C})({_T}+)([\u0e31\u0e34-\u0e39]+)|({_C})({THANTHAKHAT})([\u0e34\u0e38\u0e39])")
_AM_BEFORE_TONE = re.compile(f"{SARA_AM}({_T})")
_FOLLOW_BEFORE_TONE = re.compile(f"([\u0e30{SARA_AA}]+)({_T}+)")
_DOUBLE_MARK = re.compile(f"({_M})\\1+")
_TWO_TONES = re.compile(f"[{TONE_LIKE}]{{2,}}")
# A vowel doubled on one letter while the letter before it is bare: `โยอจิิโระ` -> `โยอิจิโระ`.
_SHIFTED_DOUBLE = re.compile(f"({_C})({_C})([{VOWEL_MARKS}])\\3")
_SPACES = re.compile(r" {2,}")


# --- rule 0 and 7: characters -------------------------------------------------------------


def clean_chars(text: str, fixes: Counter[str]) -> str:
    """Controls and zero-width characters go, odd spaces become spaces, PUA glyphs are mapped,
    hyphens are the one a user types, and Latin ligatures (`ﬀ`, `ﬁ`, `ﬃ`, which pypdf and
    pdfminer.six give for TLWG faces' ligature glyphs: `Aﬀairs`) are their letters, as a user
    types and searches them."""
    if not _UNUSUAL.search(text):
        return text
    out: list[str] = []
    for ch in text:
        if "\x20" <= ch <= "\x7e" or "\u0e01" <= ch <= "\u0e5b":
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif ch in _ZERO_WIDTH:
            fixes["zero_width"] += 1
        elif ch in HYPHENS:
            out.append(HYPHENS[ch])
        elif "\ufb00" <= ch <= "\ufb06":
            fixes["ligature"] += 1
            out.append(unicodedata.normalize("NFKC", ch))
        elif is_symbol_font_pua(ch):
            fixes["bullet"] += 1
            out.append(" ")
        elif is_private_use(ch):
            mapped = pua_thai(ch)
            fixes["pua_glyph"] += 1
            if mapped is not None:
                out.append(mapped)
        else:
            cat = unicodedata.category(ch)
            if cat == "Zs":
                out.append(" ")
            elif cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
                if ch not in "\r\n\f":
                    fixes["control"] += 1
            else:
                out.append(ch)
    return "".join(out)


# --- rules 1-3 without a dictionary ---------------------------------------------------------


def _sub(pattern: re.Pattern[str], repl, text: str, fixes: Counter[str], rule: str) -> str:
    new, n = pattern.subn(repl, text)
    if n and new != text:
        fixes[rule] += n
    return new


def _am_repl(m: re.Match[str]) -> str:
    return (m.group(1) or m.group(2) or "") + SARA_AM


def _shifted_double(m: re.Match[str]) -> str:
    return m.group(1) + m.group(3) + m.group(2) + m.group(3)


def _vowel_first(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1) + m.group(3) + m.group(2)
    return m.group(4) + m.group(6) + m.group(5)


def _last_tone(m: re.Match[str]) -> str:
    return m.group(0)[-1]


def order_marks(text: str, fixes: Counter[str]) -> str:
    """Compose decomposed SARA AM and put marks in logical order (rule 2)."""
    text = _sub(_NIKHAHIT_AA, _am_repl, text, fixes, "sara_am")
    text = _sub(_AM_DOUBLED, r"\1" + SARA_AM, text, fixes, "sara_am_doubled")
    text = _sub(_SARA_E_PAIR, "\u0e41", text, fixes, "sara_e_pair")
    text = _sub(_LAKKHANGYAO, SARA_AA, text, fixes, "lakkhangyao")
    text = _sub(_DIGITS_IN_SYLLABLE, r"\1\3\2\4" + SURE, text, fixes, "marker_in_syllable")
    text = _sub(_DETACHED_MARK, r"\1\2 ", text, fixes, "detached_mark")
    text = _sub(_DETACHED_AM, r"\1" + SARA_AM, text, fixes, "detached_mark")
    text = _sub(_TONE_BEFORE_VOWEL, _vowel_first, text, fixes, "tone_order")
    text = _sub(_AM_BEFORE_TONE, r"\1" + SARA_AM, text, fixes, "tone_order")
    text = _sub(_FOLLOW_BEFORE_TONE, r"\2\1", text, fixes, "tone_order")
    text = _sub(_SHIFTED_DOUBLE, _shifted_double, text, fixes, "vowel_shift")
    text = _sub(_DOUBLE_MARK, r"\1", text, fixes, "duplicate_mark")
    text = _sub(_TWO_TONES, _last_tone, text, fixes, "duplicate_mark")
    return text


def repair_glyphs(
    text: str, fixes: Counter[str], *, note: bool = False, flag_markers: bool = True, lex: Lexicon | None = None,
    am_whole: bool = False, twice: bool = False,
) -> str:
    """Repair one line's glyphs. Digits are left where they are: markers are settled later,
    with the whole document in view. `note` lines (references) also get 2-digit runs joined
    (`February 1 2`), which in body text could be two numbers. With `flag_markers`, digits
    found inside a syllable are followed by SURE for the marker stage; without, they are not.

    The rules run again until the line stops changing (a join can bring two marks together, a
    mark put back can make a word whole enough to join its neighbour), so that repairing the
    output once more changes nothing. Dictionary look-ups are memoised, so the extra round is
    cheap. `twice`: the document's extractor writes stacked clusters twice
    (`displaced.writes_clusters_twice`), so a copy is dropped on weaker evidence."""
    lex = lex or lexicon()
    text = _SPACES.sub(" ", clean_chars(text, fixes)).strip(" ")  # runs of spaces are one (rule 6)
    thai = any("\u0e01" <= ch <= "\u0e5b" for ch in text)
    for _ in range(6):
        before = text
        if thai:
            # before the marks are put in order: a tone set after the next letter and the space
            # would otherwise be taken for that letter's own (`นีว้ ่า` = `นี้ว่า`), and a tone
            # alone between spaces for the next word's (`ตังแต่ ้ ~74,000`)
            text = drifted_tones(text, lex, fixes)
            text = displaced_marks(text, lex, fixes)
        text = order_marks(text, fixes)
        if not flag_markers:
            text = text.replace(SURE, "")
        if thai:
            text = letter_spaced(text, lex, fixes)
            text = split_am(text, lex, fixes, am_whole)
            text = repeated_clusters(text, lex, fixes, twice)
            if twice:
                text = stray_copies(text, lex, fixes)
            text = spurious_spaces(text, lex, fixes)
            text = slid_marks(text, lex, fixes)
        text = digit_spacing(text, fixes, 2 if note else 3)
        text = tidy_spaces(text, fixes)
        if text == before:
            break
    return text
