"""Characters an extractor wrote for a glyph it could not map, where that character is no
control character for ``unmapped.PLACEHOLDER`` to find: pypdf's and pdfminer.six's text of some
LibreOffice PDFs has SARA AA as a digit (`ก5รว5งแผน`, Waree), a tab (`อำ\\tน\\tจ`, Norasi) or a
form feed (Purisa), and a tone mark as `1` (Umpush, Garuda, Norasi). No table can say so: the
same fonts map the glyph in other documents. But such a character stands between two Thai
letters hundreds of times in its document and at most once in any other (the generated draws'
2,300 texts: digits, tabs and form feeds between Thai letters 14-565 times in the 9 texts with
the habit, 0-1 in the others), so where it does so ``_MIN_INSIDE`` times or more, each of its
occurrences beside a Thai letter becomes a placeholder, which the unmapped reading fills from
the dictionary (``unmapped.fill_placeholders``); one that no letter explains goes back to what
it was. Beside a Thai letter: right after one, or right before one but not at a line's start
(a page's form feed, a numbered line), except a digit there under a line that ends in a Thai
letter, where pdfminer.six writes a mark it cut off (`ที` + `1ยังไม่`: such places count
toward the habit too, 14-145 in the texts with it, 0-2 in the others); a digit not beside
another digit (`1851`, `ปี 2566`) and, after a word, only where Thai goes on (`นั1น`, `นี1
และ`) or the line ends, not where a note's marker ends the word (`ชาติ1  หรือ`: LibreOffice sets
two spaces after one).
A tone set high over an upper vowel or SARA AM is another glyph of the face, and some
LibreOffice PDFs map it to an ASCII character: MAI THO as `D` (Umpush: `พืDน`), `"` (Loma),
`#` or `,` (Garuda), `Q` (Sawasdee), in pypdf's and pdfminer.six's text (as `1` in Purisa and
Sawasdee: a digit, above). Such a character counts and is read only right after an upper
vowel or SARA AM (`ขึ,น`, `นำ,า`), or at a line's start under a line that ends in one
(pdfminer.six's cut); elsewhere it is itself (`มหาวิทยาลัย, ห`, a quotation's `"`). Of the
generated draws' 1,137 texts: 13-74 such places in the 10 texts of the five documents with
the habit, at most 4 in any other.
And pypdfium2's U+FFFE, which stands for a hyphen that ended a printed line and for the line
break it drops after it (`line_end_hyphens`).
Written here because it is ours: the extractors give the character as the font maps it."""

from __future__ import annotations

import re

from rag.repair.columns import boxes_every_line
from rag.thai.chars import ABOVE_VOWELS, LETTERS, SARA_AM

_THAI = "".join(sorted(set(LETTERS)))
_STAND_INS = "\t\f0123456789"
# what stands for a tone set high, beside the digits above (`1` is both)
_HIGH_TONE_STAND_INS = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isdigit())
_UNDER_TONE = ABOVE_VOWELS + SARA_AM  # what a high tone is set over
_MIN_INSIDE = 10  # occurrences between two Thai letters that show the habit
# Control characters free to stand for a stand-in while the unmapped reading runs (its own
# placeholders are the C0 controls; these are the ones no extractor was seen to write).
_SPARE = [chr(c) for c in range(0x1A, 0x20)]


def _places(ch: str, boxed: bool) -> tuple[str | None, str | None, str, str]:
    """Where ``ch`` stands for a glyph, as patterns: under a line (pdfminer.six's cut: the line
    break kept in group 1) as counted toward the habit and as read once the habit is shown (or
    None), on its line, and between the letters it shows the habit in (counted). ``boxed``: the
    text shows pdfminer.six's boxes (`columns.boxes_every_line`)."""
    thai = f"[{re.escape(_THAI)}]"
    x = re.escape(ch)
    if ch in _HIGH_TONE_STAND_INS:
        over = f"[{_UNDER_TONE}]"
        cut = f"(?<={over})([ \t]*\n(?:[ \t]*\n)*){x}(?={thai})"
        return cut, cut, f"(?<={over}){x}", f"{over}{x}{thai}"
    if ch.isdigit():
        # (pdfminer.six writes a mark it cut off its letter at the next line's start: `ที` +
        # `1ยังไม่`; a note's marker glued to a word has two spaces after it, `ชาติ1  หรือ`, or
        # goes on in digits, `ว่510`: it stays a number. In a text that shows the habit, the
        # mark so cut may also stand before a glyph of pdfminer.six's own notation, `ลำ` +
        # `1(cid:5)`, and, in pdfminer.six's boxes, end its word, `ตี` + `1 ได้`: read, though not
        # counted, as a note's number opens a line so too, `1 ดูรายละเอียด…` in pypdf's text)
        under = f"(?<={thai})([ \t]*\n(?:[ \t]*\n)*){x}"
        ends = f"| {thai}" if boxed else ""
        return (f"{under}(?={thai})", f"{under}(?={thai}{ends}|\\(cid:\\d+\\))",
                f"(?<={thai}){x}(?={thai}| {thai}|\n)|(?<![0-9\n])(?<!^){x}(?={thai})", f"{thai}{x}{thai}")
    return None, None, f"(?<={thai}){x}|(?<!\n)(?<!^){x}(?={thai})", f"{thai}{x}{thai}"


def mark_stand_ins(text: str) -> tuple[str, dict[str, str]]:
    """The text with each stand-in's occurrences beside Thai letters replaced by a spare
    control character, and what each such character replaced."""
    spare = [c for c in _SPARE if c not in text]
    kept: dict[str, str] = {}
    boxed = boxes_every_line(text.split("\n"))
    for ch in _STAND_INS + _HIGH_TONE_STAND_INS:
        if not spare or ch not in text:
            continue
        counted, cut, on_line, between = _places(ch, boxed)
        if len(re.findall(between, text)) + (len(re.findall(counted, text)) if counted else 0) < _MIN_INSIDE:
            continue
        placeholder = spare.pop(0)
        if cut:
            text = re.sub(cut, rf"\g<1>{placeholder}", text)
        text = re.sub(on_line, placeholder, text)
        kept[placeholder] = ch
    return text, kept


# pypdfium2 writes a hyphen that ended a printed line as U+FFFE and drops the line break after
# it: the U+FFFE, the word before it and the character after it.
_LINE_END_HYPHEN = re.compile("(\\S*)\ufffe(.?)")
_URL_PIECE = re.compile(r"://|www\.|/")


def line_end_hyphens(raw: str) -> str:
    """Where pypdfium2 wrote U+FFFE for a hyphen that ended a printed line and ran the next line
    on (`Doc\ufffe1López…`: a page's first note run onto its last body line), the line break
    comes back, with the hyphen in a URL, whose own it is; a word that goes on in lower case was
    broken at a syllable (`Diplo\ufffemacy`) and stays whole. Whole documents only: the
    text's lines change."""

    def back(m: re.Match[str]) -> str:
        before, after = m.groups()
        if _URL_PIECE.search(before):
            return f"{before}-\n{after}"
        return before + ("" if after.islower() and after.isascii() else "\n") + after

    return _LINE_END_HYPHEN.sub(back, raw)
