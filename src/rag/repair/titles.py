"""A title line told from running text by the line after it, in text that keeps no type size
or weight: both the reflow (which must not join a title onto the paragraph above it) and the
structure stage's headings ask it."""

from __future__ import annotations

import difflib
import re
import unicodedata

# A title the next paragraph restates: its letters and marks (a trailing `(…)` qualifier left
# out), with at least this many letters besides the marks, found in the paragraph's first line
# starting within this many letters and marks of its start, in a run one longer than the title
# holding all but one in eight of them in order (an extractor drops or doubles a mark here and
# there).
_MIN_RESTATED = 4
_RESTATED_WITHIN = 16
_RESTATED_MISSES = 8
_QUALIFIER = re.compile(r"\s*\([^()]*\)$")


def _letters(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c)[0] in "LMN")


def _long_enough(key: str) -> bool:
    return sum(unicodedata.category(c) != "Mn" for c in key) >= _MIN_RESTATED


def restates(title: str, first_line: str) -> bool:
    """The line after a would-be heading names it near its start, as an encyclopedia's entry,
    a glossary's or a report section's first sentence names its subject (`ชะมดเช็ด` over
    `ชะมดเช็ด หรือ ชะมดเชียง…`, `เซ็นทรัลพัฒนา` over `บริษัท เซ็นทรัลพัฒนา จำกัด…`). Text
    extractors keep no type size or weight: when the line above the title ran near the margin,
    this is what says the title is no paragraph's last line. Running text does not repeat a
    line's words at the start of the next."""
    key = _letters(_QUALIFIER.sub("", title))
    if not _long_enough(key):
        return False
    letters = _letters(first_line)
    if letters.endswith(key) and letters != key:
        return False  # a heading that ends as the title's last line does (`…: ภาพรวมในระดับโลก`)
    need = len(key) - len(key) // _RESTATED_MISSES
    for start in range(min(_RESTATED_WITHIN, len(letters)) + 1):
        run = letters[start:start + len(key) + 1]
        if len(run) < need:
            break
        blocks = difflib.SequenceMatcher(None, key, run, autojunk=False).get_matching_blocks()
        if sum(b.size for b in blocks) >= need:
            return True
    return False


def ends_with(line: str, title: str) -> bool:
    """`line` ends with `title`'s letters: a document's title over its first heading
    (`บทความวิชาการ: ประเทศเคนยา` over `ประเทศเคนยา`), which a title wrapping onto a second line
    never repeats."""
    key = _letters(title)
    return _long_enough(key) and _letters(line).endswith(key)
