"""Footnote markers: tell them from real numbers, take them out, keep them as data (rule 4).

A digit run next to a word may be a footnote marker (`นโยบาย4`, `(WTO)9`, `ญี่ปุ่น 6 โดย`) or
a real number (`ในปี1788`, `5G`, `G20`, `จำนวน 12 แห่ง`). Each candidate gets a score from its
shape and its neighbours (a general Thai part-of-speech lexicon says whether the next word is a
classifier, as after a count, or a conjunction, as after a marker), and the document's evidence:
footnote definitions at a page's foot name the numbers its body cites, and markers ascend
through a document. The chosen markers are the best-scoring strictly ascending chain, found by
dynamic programming over all candidates in document order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.repair.glyphs import SURE
from rag.thai.chars import DIGITS, LETTERS, MAIYAMOK, thai_head, thai_tail
from rag.thai.lexicon import Lexicon

_CANDIDATE = re.compile(
    rf"(?<![{DIGITS}.,:/\-–+×=])([{DIGITS}]{{1,3}}){SURE}?(?![{DIGITS}]|[.,:/][{DIGITS}])"
)
_LATIN = re.compile(r"[A-Za-z]")
_MATH_BRACKET = re.compile(r"\(\s*\w{1,3}\s*[-+*/^=]\s*\w{1,3}\s*\)$")

# Words after which a number is a label, an ordinal or a quantity, never a footnote: general
# Thai grammar (ordinal "ที่", years, articles, chapters, approximations), not document words.
_NUMBER_TAKERS = frozenset(
    "ที่ ปี ปีที่ พ.ศ. ค.ศ. ข้อ ข้อที่ มาตรา ภาค ตอน ตอนที่ บท บทที่ เล่ม เล่มที่ รุ่น รุ่นที่ หมายเลข เลข "
    "เลขที่ ฉบับที่ ครั้งที่ ชั้น ชั้นที่ ศตวรรษ ศตวรรษที่ อายุ ราคา จำนวน ประมาณ กว่า เกือบ ราว "
    "หน้า วันที่ ระดับ อันดับ อันดับที่ ลำดับ ลำดับที่ ขนาด ช่อง หมู่ หมู่ที่ ห้อง รหัส คนที่ ประการที่ "
    "เวลา ถึง จาก ละ ทุก อีก เพียง แค่ ได้แก่ คือ เท่ากับ เป็น ต่อ มี ทั้ง ทั้งหมด รวม".split()
)
# ORCHID tags of words that follow a count (classifiers, units, number words).
_QUANTITY_TAGS = frozenset({"CNIT", "CLTV", "CMTR", "CFQC", "CVBL", "DCNM", "NCNM", "DONM"})
# ORCHID tags of words that open a clause after a citation (conjunctions, prepositions, aux).
_CLAUSE_TAGS = frozenset({"JSBR", "JCRG", "JCMP", "RPRE", "PREL", "XVBM", "XVAE", "XVAM", "XVMM", "ADVN"})
_NUMBER_WORDS = frozenset("สิบ ร้อย พัน หมื่น แสน ล้าน พันล้าน".split())
# A Thai date reads day, month, era, year (`26 มิถุนายน พ.ศ. 2517`): a number between a month
# (or the word "year") and the era that opens the year cannot be part of the date.
_MONTHS = frozenset(
    "มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม".split()
)
# The era may close the line, its year on the next (`ตั้งแต่ปี83 พ.ศ.` + `2490`).
_ERA_YEAR = re.compile(rf"\s*(?:พ\.ศ\.|ค\.ศ\.)\s*(?:[{DIGITS}]|$)")
# A number set before a month is the day of a date (`เมื่อ 26 กุมภาพันธ์`, `10 ธ.ค. 2502`).
_MONTH_AFTER = re.compile(
    "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + "|"
    + "|".join(re.escape(a) for a in "ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค.".split())
    + ")"
)
# Signs that end a Thai word as a letter does: MAIYAMOK (`ต่าง ๆ`) and PAIYANNOI, which closes an
# abbreviation (`สหรัฐฯ7`, `กรุงเทพฯ3`).
_WORD_END_SIGNS = MAIYAMOK + "\u0e2f"
_CHAPTER = re.compile(r"\s*(?:บทที่|ส่วนที่|ภาคที่|ตอนที่|ข้อที่|Chapter|Part|Section)\s*", re.I)


@dataclass(frozen=True)
class Candidate:
    line: int
    start: int  # span to remove from the line text (digits and SURE flag)
    end: int
    n: int
    score: float


def _word_before(text: str, lex: Lexicon) -> str:
    tail = thai_tail(text)
    return lex.segment(tail)[-1] if tail else ""


def _word_after(text: str, lex: Lexicon) -> str:
    head = thai_head(text)
    return lex.segment(head)[0] if head else ""


def _shape_score(line: str, m: re.Match[str], lex: Lexicon, context: str = "", continues: bool = False) -> float | None:
    """How much the candidate looks like a marker by itself; None: it cannot be one.
    `context` is the text the line continues (the previous line of its paragraph); `continues`:
    the next line carries on this line's phrase (it ended without a space, CONVENTIONS rule 8)."""
    start, end = m.start(1), m.end()
    digits = m.group(1)
    sure = line[end - 1] == SURE
    if digits[0] in "0๐" or int(digits) == 0:
        return None
    before = context + line[:start]
    if start == 0 and before and before[-1] in DIGITS + ".,:/-–+×=":
        return None
    after = line[end:]
    if not before.strip():
        return None  # a number opening a line is a list or note number, not a citation
    if not line[:start].strip() and re.match(r"[.)] *\S", after):
        return None  # nor, after a wrapped line, one numbering a heading or list item (`2. ป่าฝน`, `1.ระยะสั้น`)
    if _CHAPTER.fullmatch(line[:start]):
        return None  # nor the number of a chapter or part that opens the line (`บทที่ 4 ...`)
    prev = before[-1]
    if sure:
        return 6.0
    nxt = after[:1]
    if nxt and (_LATIN.match(nxt) or nxt in "%°'’-–/"):
        return None  # 5G, 6th, 12%, 2-3
    if prev in LETTERS or prev in _WORD_END_SIGNS:
        score = 1.0
    elif prev in ")]”\"’":
        if _MATH_BRACKET.search(before):
            return None  # `(n + 1)2`: an exponent
        score = 1.5
    elif _LATIN.match(prev):
        score = -1.5
    elif prev == " ":
        core = before.rstrip()
        if not core or core[-1] in DIGITS or core[-1] in "(/-–":
            return None
        score = -0.5
    else:
        return None
    # what follows
    rest = after.lstrip(" ")
    if not rest and prev == " " and continues:
        pass  # `มีลูกชาย 2` + `คน...`: what follows is on the next line, a number set off there is no end
    elif not rest:
        score += 1.5
    elif after[:1] in LETTERS:
        return None  # `16ชนิด`, `ปี2016เป็น`: glued on both sides is a number in running text
    elif rest[0] in DIGITS:
        score -= 2.0
    elif after[:1] == " " and _MONTH_AFTER.match(rest):
        score -= 3.0  # the day of a date
    elif after[:1] == " " and rest[0] in LETTERS:
        word = _word_after(rest, lex)
        tag = lex.tag(word)
        if word in _NUMBER_WORDS or tag in _QUANTITY_TAGS:
            score -= 3.0
        elif tag in _CLAUSE_TAGS:
            score += 1.0
    elif rest[0] in ".,;:" and (len(rest) == 1 or rest[1] == " "):
        score += 0.5
    # what precedes
    core = before.rstrip(" ")
    if core and core[-1] in LETTERS:
        word = _word_before(core, lex)
        tag = lex.tag(word)
        counted = re.search(rf"[{DIGITS}] *{re.escape(word)}$", core) is not None
        if (word == "ปี" or word in _MONTHS) and _ERA_YEAR.match(after):
            score += 3.0  # `ในปี63 พ.ศ. 2550`, `26 มิถุนายน 21 พ.ศ. 2517`: the year comes after
        elif word in _NUMBER_TAKERS and counted and prev in LETTERS:
            score += 1.5  # `300 ปี6`, `31 ห้อง52`: the word counts what precedes it, glued number
        elif word in _NUMBER_TAKERS:
            score -= 2.5
        elif tag in _QUANTITY_TAGS:
            if re.search(rf"[{DIGITS}] *{re.escape(word)}$", core):
                score += 1.5  # `12 แห่ง7`: the classifier has its number, what follows is a marker
            else:
                score -= 1.0  # `ปี2016`
    return score


def find_candidates(
    lines: Sequence[str], lex: Lexicon, contexts: Sequence[str] | None = None,
    continues: Sequence[bool] | None = None,
) -> list[Candidate]:
    """Every digit run that could be a marker, with its shape score. `contexts[i]`: the text
    line i continues ("" when it starts a paragraph), so a number that opens a wrapped line is
    read as following the previous line's last word. `continues[i]`: the line's phrase goes on
    in the next line."""
    out: list[Candidate] = []
    for li, line in enumerate(lines):
        if not any(ch in DIGITS for ch in line):
            continue
        context = contexts[li] if contexts is not None else ""
        goes_on = continues[li] if continues is not None else False
        for m in _CANDIDATE.finditer(line):
            score = _shape_score(line, m, lex, context, goes_on)
            if score is not None:
                out.append(Candidate(li, m.start(1), m.end(), int(m.group(1)), score))
    return out


_BIAS = -1.5


def _gap_bonus(prev: int, n: int) -> float:
    d = n - prev
    if d == 1:
        return 1.5
    if d <= 3:
        return 0.8
    if d <= 10:
        return 0.3
    if d <= 30:
        return 0.0
    return -1.0


def choose_markers(
    cands: Sequence[Candidate],
    evidence: Sequence[frozenset[int] | None] | None = None,
    defined: frozenset[int] = frozenset(),
    window: int = 400,
) -> list[Candidate]:
    """The best strictly ascending chain of candidates.

    `evidence[line]`: the footnote numbers defined at the foot of that line's page (None when
    the page has no footnote block); `defined`: every footnote number the document defines.
    """
    weights: list[float] = []
    for c in cands:
        w = c.score + _BIAS
        if defined:
            page = evidence[c.line] if evidence is not None else None
            if page is not None and c.n in page:
                w += 5.0
            elif c.n in defined:
                w -= 3.0
            else:
                w -= 4.0
        weights.append(w)
    best: list[float] = []
    back: list[int] = []
    for i, c in enumerate(cands):
        top, arg = 0.0, -1
        for j in range(max(0, i - window), i):
            if cands[j].n < c.n and best[j] > float("-inf"):
                v = best[j] + _gap_bonus(cands[j].n, c.n)
                if v > top:
                    top, arg = v, j
        best.append(weights[i] + top)
        back.append(arg)
    if not best or max(best) <= 0:
        return []
    i = max(range(len(best)), key=best.__getitem__)
    chain: list[Candidate] = []
    while i >= 0:
        chain.append(cands[i])
        i = back[i]
    chain.reverse()
    return chain
