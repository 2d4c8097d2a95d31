"""The numbers a generated sentence states, as the citation check compares them with the cited
passages (rag.generate.check, rule 5): written in digits (Thai digits read as Arabic ones, a
Buddhist-era year as its Common-era one and back, a count the passage writes as a Thai word),
and in an English sentence written as a word ("eight embassies" where the passage says 6).

A number word is backed when the passages hold the number in digits, the English word, or its
Thai word (PyThaiNLP's ``num_to_thaiword``: แปด, ยี่สิบห้า), the way a Thai text often writes a
small number (สองแนวทางหลัก). "One" is not read (a pronoun as often as a number), nor a word in a
fraction ("two-thirds") or a plural of a scale ("hundreds of"), which state no count.
"""

from __future__ import annotations

import re

from rag.thai.chars import THAI_TO_ARABIC_DIGITS

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_BE_OFFSET = 543  # Buddhist era minus Common era
_UNITS = ("two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_VALUES = {w: n for n, w in enumerate(_UNITS, 2)} | {w: 10 * n for n, w in enumerate(_TENS, 2)}
_ONES = {w: n for n, w in enumerate("one two three four five six seven eight nine".split(), 1)}
_WORD = re.compile(
    rf"\b({'|'.join(_TENS)})(?:[- ]({'|'.join(_ONES)}))?\b|\b({'|'.join(_UNITS)})\b(?![- ]?(?:thirds?|quarters?|halves|fifths?))",
    re.IGNORECASE)


def numbers_in(text: str) -> set[str]:
    """Numbers in ``text``, Thai digits read as Arabic ones, without thousands separators."""
    out = set()
    for m in _NUMBER.finditer(text.translate(THAI_TO_ARABIC_DIGITS)):
        raw = m.group().rstrip(".,")
        # 1,000 and 1.000 as thousands; 2.5 as a decimal
        out.add(raw.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else raw)
    return out


def year_forms(n: str) -> set[str]:
    """A year in both eras (2566 is 2023), any other number as itself."""
    if n.isdigit() and 1800 <= int(n) <= 2700:
        return {n, str(int(n) + _BE_OFFSET), str(int(n) - _BE_OFFSET)}
    return {n}


def number_backed(n: str, numbers: set[str], text: str) -> bool:
    """Whether a number written in digits is in the passages (their ``numbers``, their
    lower-cased ``text``): in digits, in either era if a year, or, a count under 100, as its
    Thai word (สิบคณะ for "10 faculties")."""
    if year_forms(n) & numbers:
        return True
    from pythainlp.util import num_to_thaiword

    return n.isdigit() and int(n) < 100 and num_to_thaiword(int(n)) in text


def number_words(sentence: str) -> list[tuple[str, int]]:
    """The counts an English sentence writes as words, each with its value."""
    out = []
    for m in _WORD.finditer(sentence):
        if m.group(1):
            out.append((m.group(0), _VALUES[m.group(1).lower()] + (_ONES[m.group(2).lower()] if m.group(2) else 0)))
        else:
            out.append((m.group(0), _VALUES[m.group(3).lower()]))
    return out


def unbacked_number_words(sentence: str, numbers: set[str], text: str) -> list[str]:
    """The number words of ``sentence`` that the passages (their ``numbers`` in digits, their
    lower-cased ``text``) hold neither in digits nor as the English or the Thai word."""
    from pythainlp.util import num_to_thaiword

    return [word for word, n in number_words(sentence)
            if str(n) not in numbers and f" {word.lower()}" not in f" {text}" and num_to_thaiword(n) not in text]
