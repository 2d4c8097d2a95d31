"""Words a typesetter broke with a hyphen at a line end, joined back.

TeX hyphenates English words to fill a line (``Technol-`` / ``ogy``); LibreOffice, Word and
browsers leave hyphenation off unless asked, so there a hyphen that ends a line is one the
author typed (``Biden-`` / ``Harris``, ``e-`` / ``commerce``). The glyph is the same either way,
so the choice is read from the document itself, first from how it spells the word elsewhere:
the joined word printed whole on some line means the hyphen was the typesetter's, the hyphenated
pair printed within a line means it is the author's. Without either, the producer decides: a
TeX-made PDF's line-end hyphen is taken as TeX's, except in a URL (hyphens are common there,
and TeX breaks a URL set as plain text only where its letters make a word). A capital or a digit
after the break keeps the hyphen (TeX breaks no word so). Text from an extractor names no
producer, so there only the document's own spellings decide. Hand-written because no PDF
library makes this call: pdfium marks line-end hyphens (``FPDFText_IsHyphen``) but cannot tell
whose they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

SOFT_HYPHEN = "\u00ad"  # printed only where a word is broken: always the typesetter's

_LATIN = "A-Za-z\u00c0-\u024f"
_WORD = re.compile(f"[{_LATIN}]+")
_PAIR = re.compile(f"([{_LATIN}]+)-([{_LATIN}]+)")
_BROKEN = re.compile(f"([{_LATIN}]+)[-{SOFT_HYPHEN}]$")
_GOES_ON = re.compile(f"[a-z\u00df-\u00ff\u0100-\u024f][{_LATIN}]*")
_URL = re.compile(r"://|www\.|/|@")
_JOINED = re.compile(r"[-/.:@_=?&\d]")  # glued before a word: a compound's or a URL's
_TEX = re.compile(r"TeX|xdvipdfm|dvipdfm|dvips", re.I)


def _last_token(text: str) -> str:
    """What follows the last space of ``text`` (the word a line ends with, and what it is
    glued to: a URL's path)."""
    return text[text.rstrip().rfind(" ") + 1 :].rstrip()


def _in_url(before: str, glued: str) -> bool:
    """Whether a line-end hyphen stands in a URL or a compound: a hyphen, slash, dot or digit
    glued before its word (TeX does not hyphenate a word holding a hyphen), or a URL's last
    slash just before (Thai line breaking lets URLs break, and stretch, after a slash)."""
    if _JOINED.search(glued):
        return True
    words = before.split()
    return len(words) >= 2 and (words[-2].endswith("/") or _URL.search(words[-2]) is not None)


def typeset_by_tex(*producer: str | None) -> bool:
    """Whether a PDF's Creator / Producer names a TeX engine or its DVI drivers."""
    return any(_TEX.search(p or "") for p in producer)


@dataclass
class Hyphens:
    """What one document says about its line-end hyphens (``Hyphens.of`` its lines)."""

    words: set[str] = field(default_factory=set)  # Latin words printed whole, lower case
    pairs: set[str] = field(default_factory=set)  # hyphenated pairs printed within a line
    tex: bool = False  # made by TeX, which hyphenates to fill lines

    @classmethod
    def of(cls, lines: Iterable[str], *, tex: bool) -> Hyphens:
        out = cls(tex=tex)
        for text in lines:
            words = _WORD.findall(text)
            if _BROKEN.search(_last_token(text)) and words:
                words = words[:-1]  # the piece before a break is no word of its own
            out.words.update(w.lower() for w in words)
            out.pairs.update(f"{a}-{b}".lower() for a, b in _PAIR.findall(text))
        return out

    def broken_word(self, before: str, after: str) -> bool:
        """Whether the hyphen that ends ``before`` (a line's text so far) is the typesetter's,
        so the next line's ``after`` continues the word with no hyphen and no space."""
        token = _last_token(before)
        end = _BROKEN.search(token)
        if end is None:
            return False
        if token.endswith(SOFT_HYPHEN):
            return True
        goes_on = _GOES_ON.match(after)
        if goes_on is None:
            return False
        left, right = end.group(1), _WORD.match(after)
        right_word = right.group(0) if right else goes_on.group(0)
        if f"{left}-{right_word}".lower() in self.pairs:
            return False
        if f"{left}{right_word}".lower() in self.words:
            return True
        return self.tex and not _in_url(before, token[: end.start()])

    def glue(self, text: str, piece: str, space: str) -> str:
        """``text`` made ready for the next line's ``piece`` to follow: a broken word loses its
        hyphen; a hyphen kept between two letters takes no space after it (``e-`` /
        ``commerce``); any other line end takes ``space`` (what the line join would put)."""
        if self.broken_word(text, piece):
            return text.rstrip()[:-1]
        if _BROKEN.search(_last_token(text)) and piece[:1].isalpha():
            return text.rstrip()
        return text + space
