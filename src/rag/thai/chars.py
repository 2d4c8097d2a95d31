"""Thai character classes and the private-use glyph tables that PDF fonts leak into text.

The classes come from PyThaiNLP so that the whole project agrees on what a Thai consonant or
tone mark is; the regex-ready strings below only regroup them the way the repair rules need
(for instance ฤ and ฦ behave as base letters that take marks, although PyThaiNLP files them
under vowels).
"""

from __future__ import annotations

import re

import pythainlp

CONSONANTS: str = pythainlp.thai_consonants + "\u0e24\u0e26"  # + ฤ ฦ, which carry marks like consonants
LEAD_VOWELS: str = pythainlp.thai_lead_vowels  # เ แ โ ใ ไ
FOLLOW_VOWELS: str = pythainlp.thai_follow_vowels  # ะ า ำ ๅ
ABOVE_VOWELS: str = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e47"  # ั ิ ี ึ ื ็
BELOW_VOWELS: str = "\u0e38\u0e39\u0e3a"  # ุ ู ฺ
TONES: str = pythainlp.thai_tonemarks  # ่ ้ ๊ ๋
THANTHAKHAT: str = "\u0e4c"  # ์
NIKHAHIT: str = "\u0e4d"  # ํ
YAMAKKAN: str = "\u0e4e"
SARA_AA: str = "\u0e32"
SARA_AM: str = "\u0e33"
SARA_E: str = "\u0e40"
SARA_AE: str = "\u0e41"
LAKKHANGYAO: str = "\u0e45"
MAIYAMOK: str = "\u0e46"
THAI_DIGITS: str = pythainlp.thai_digits

#: Marks that sit on a base letter (never start a syllable, never stand alone).
MARKS: str = ABOVE_VOWELS + BELOW_VOWELS + TONES + THANTHAKHAT + NIKHAHIT + YAMAKKAN
#: Vowel marks a tone mark must follow in logical order.
VOWEL_MARKS: str = ABOVE_VOWELS + BELOW_VOWELS
TONE_LIKE: str = TONES + THANTHAKHAT
#: Letters of Thai words (for "is this Thai text?"), digits and symbols excluded.
LETTERS: str = CONSONANTS + LEAD_VOWELS + FOLLOW_VOWELS + MARKS
DIGITS: str = "0123456789" + THAI_DIGITS
#: ``str.translate`` table reading Thai digits as Arabic ones.
THAI_TO_ARABIC_DIGITS = str.maketrans(THAI_DIGITS, "0123456789")


#: Assigned code points of the Thai block: letters, marks, digits and Thai punctuation.
THAI_BLOCK = "\u0e01-\u0e5b"
_THAI_CHAR = re.compile(f"[{THAI_BLOCK}]")


def is_thai(text: str) -> bool:
    """Whether ``text`` holds any Thai: decides a question's language (the answer's and the
    fusion weights'), and where a space sits next to Thai (a phrase boundary)."""
    return _THAI_CHAR.search(text) is not None


def is_base(ch: str) -> bool:
    return ch in CONSONANTS


def spelling_units(token: str) -> int:
    """Spacing letters in a Thai token (consonants and vowels written on the line; marks ride
    on their letter): a rough syllable-free measure of a word's length."""
    return sum(ch in CONSONANTS or ch in LEAD_VOWELS or ch in FOLLOW_VOWELS for ch in token)


def thai_tail(s: str) -> str:
    """The run of Thai letters `s` ends with."""
    i = len(s)
    while i > 0 and s[i - 1] in LETTERS:
        i -= 1
    return s[i:]


def thai_head(s: str) -> str:
    """The run of Thai letters `s` starts with."""
    i = 0
    while i < len(s) and s[i] in LETTERS:
        i += 1
    return s[:i]


# Legacy Thai fonts (Windows "Tahoma"-style and Mac) keep shifted variants of the marks in the
# private-use area; a PDF built with such a font leaks those code points into extracted text.
# The table is HarfBuzz's Thai PUA fallback table (hb-ot-shaper-thai.cc), read backwards.
_PUA_THAI: dict[int, str] = {
    # Windows: shift-down, shift-down-left, shift-left, remove-descender variants
    0xF700: "\u0e10", 0xF701: "\u0e34", 0xF702: "\u0e35", 0xF703: "\u0e36", 0xF704: "\u0e37",
    0xF705: "\u0e48", 0xF706: "\u0e49", 0xF707: "\u0e4a", 0xF708: "\u0e4b", 0xF709: "\u0e4c",
    0xF70A: "\u0e48", 0xF70B: "\u0e49", 0xF70C: "\u0e4a", 0xF70D: "\u0e4b", 0xF70E: "\u0e4c",
    0xF70F: "\u0e0d", 0xF710: "\u0e31", 0xF711: "\u0e4d", 0xF712: "\u0e47", 0xF713: "\u0e48",
    0xF714: "\u0e49", 0xF715: "\u0e4a", 0xF716: "\u0e4b", 0xF717: "\u0e4c", 0xF718: "\u0e38",
    0xF719: "\u0e39", 0xF71A: "\u0e3a",
    # Mac
    0xF884: "\u0e31", 0xF885: "\u0e34", 0xF886: "\u0e35", 0xF887: "\u0e36", 0xF888: "\u0e37",
    0xF889: "\u0e47", 0xF88A: "\u0e48", 0xF88B: "\u0e48", 0xF88C: "\u0e48", 0xF88D: "\u0e49",
    0xF88E: "\u0e49", 0xF88F: "\u0e49", 0xF890: "\u0e4a", 0xF891: "\u0e4a", 0xF892: "\u0e4a",
    0xF893: "\u0e4b", 0xF894: "\u0e4b", 0xF895: "\u0e4b", 0xF896: "\u0e4c", 0xF897: "\u0e4c",
    0xF898: "\u0e4c", 0xF899: "\u0e4d", 0xF89A: "\u0e0d", 0xF89B: "\u0e38", 0xF89C: "\u0e39",
    0xF89D: "\u0e3a", 0xF89E: "\u0e10",
}


def pua_thai(ch: str) -> str | None:
    """The Thai character a legacy-font private-use glyph stands for, or None."""
    return _PUA_THAI.get(ord(ch))


def is_symbol_font_pua(ch: str) -> bool:
    """Symbol/Wingdings glyphs (bullets, arrows, checkmarks) land at U+F020..U+F0FF."""
    return 0xF000 <= ord(ch) <= 0xF0FF


def is_private_use(ch: str) -> bool:
    o = ord(ch)
    return 0xE000 <= o <= 0xF8FF or 0xF0000 <= o <= 0x10FFFD
