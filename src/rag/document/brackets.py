"""Parentheses that run across lines: a line inside one is a piece of a sentence, whatever it
looks like on its own (what `headings` asks before it takes a short line for a title)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol


class Line(Protocol):
    """A body line as `headings` reads it: its text, and whether it was taken for a heading."""

    text: str
    heading: bool


# How far (in lines) a parenthesis may run for a line inside it to be read as a piece of it.
_BRACKET_REACH = 6
# A list item's label (`1)`, `ก)`, `iv)`): its bracket closes nothing opened before it.
_ITEM_LABEL = re.compile(r"\s*[0-9๐-๙a-zA-Zก-ฮ]{1,3}\)")


def _brackets(text: str, depth: int = 0) -> tuple[int, int]:
    """(the fewest brackets open anywhere in ``text``, brackets open at its end), given ``depth``
    open before it: the first is below ``depth`` where ``text`` closes one opened before it,
    below zero where it closes one never opened."""
    lowest = depth
    for c in text:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            lowest = min(lowest, depth)
    return lowest, depth


def inside_brackets(body: Sequence[Line], i: int) -> bool:
    """``body[i]`` is a piece of a parenthesis that runs across lines, no title: a bracket
    opened in the lines above (not in a heading) is still open where it starts and closes in it
    or a few lines on, it closes one opened nowhere above it, or it opens one that the next line
    does not close. pdfminer.six sets the pieces of a line off on lines of their own where a
    Latin letter with a mark stands in it (`(บาลี: buddhas sana` / `ā` / `พุทฺธสาสนา,` /
    `สันสกฤต: …` / `พุทธศาสนา) เป็นศาสนา…`), and a short piece with a colon reads as a title.
    A title that wrapped inside its bracket (`ผลกระทบ (กรณีศึกษา` over `ประเทศไทย)`) is one:
    the line under the bracket's line closes it at its end. Bracket counts reach
    `_BRACKET_REACH` lines either way, so a stray bracket costs no heading further on; and a
    line the paragraph under it names stays a heading whatever brackets stand around it
    (`headings.mark_headings`: pdftotext's two columns, read across, carry one column's
    brackets past the other's heading)."""
    text = body[i].text
    depth, opener = 0, None
    for j in range(max(0, i - _BRACKET_REACH), i):
        before = depth
        depth = max(0, _brackets(body[j].text, depth)[1])
        if depth and not before:
            opener = j
    if depth and opener is not None and not body[opener].heading:
        wrapped = opener == i - 1 and text.rstrip().endswith(")") and text.count(")") == 1
        left = depth
        for j in range(i, min(len(body), i + _BRACKET_REACH + 1)):
            lowest, left = _brackets(body[j].text, left)
            if lowest < depth:
                return not (wrapped and j == i)
    label = _ITEM_LABEL.match(text)
    lowest, own = _brackets(text[label.end():] if label else text)
    if lowest < 0 and not depth:
        return True
    if own > 0 and i + 1 < len(body):
        return _brackets(body[i + 1].text, own)[0] >= own
    return False
