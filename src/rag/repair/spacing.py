"""Spaces that PDF extraction put inside Thai words, or took out of them (rules 5 and 6 of
CONVENTIONS.md), settled with a dictionary: SARA AM that lost its nikhahit and came out as a
space and SARA AA (`ก าหนด`), letter-spaced runs of justified text (`เ ศ ร ษ ฐ กิ จ`), spurious
spaces inside words (`ประเท ศ`), letter-spaced digits, and spaces inside brackets."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from rag.repair.vowels import mended_run
from rag.thai.chars import (
    CONSONANTS,
    FOLLOW_VOWELS,
    LEAD_VOWELS,
    LETTERS,
    MARKS,
    NIKHAHIT,
    SARA_AA,
    SARA_AM,
    TONES,
    spelling_units,
    thai_head,
    thai_tail,
)
from rag.thai.lexicon import Lexicon

_C = f"[{CONSONANTS}]"
_T = f"[{TONES}]"
# SARA AM that lost its nikhahit and came out as SPACE + SARA AA: `ก าหนด`, `น้ าเงิน`.
_SPLIT_AM = re.compile(f"({_C}{_T}?) +{SARA_AA}")
_BRACKET_OPEN = re.compile(r"([(\[{]) +")
_BRACKET_CLOSE = re.compile(r" +([)\]}])")
_SPACES = re.compile(r" {2,}")


def _sub(pattern: re.Pattern[str], repl: str, text: str, fixes: Counter[str], rule: str) -> str:
    new, n = pattern.subn(repl, text)
    if n and new != text:
        fixes[rule] += n
    return new


def _is_tiny(token: str) -> bool:
    return bool(token) and all(ch in LETTERS for ch in token) and spelling_units(token) <= 3


def _best_join(parts: list[str], lex: Lexicon, prior_am: bool, am_whole: bool = False) -> tuple[str, int]:
    """Join `parts`; where a part starts with SARA AA after a letter, choose SARA AA or SARA AM.

    Returns the joined text and the number of SARA AM restored. With `prior_am` (ordinary text,
    where SPACE + SARA AA is almost always a lost nikhahit) SARA AM wins ties, unless the
    document writes SARA AM whole (`am_whole`: a space there is as spurious as elsewhere, and
    the dictionary's likelier reading wins, `อน ามัย` = `อนามัย`); inside letter-spaced runs the
    dictionary alone decides (`ก า ร` = `การ`, `ส า เ ร็ จ` = `สำเร็จ`).
    """
    slots = [
        i for i in range(1, len(parts))
        if parts[i].startswith(SARA_AA) and parts[i - 1] and parts[i - 1][-1] in CONSONANTS + TONES
    ]
    if not slots:
        return "".join(parts), 0

    def build(choice: tuple[bool, ...]) -> str:
        out = list(parts)
        for i, am in zip(slots, choice, strict=True):
            if am:
                out[i] = SARA_AM + out[i][1:]
        return "".join(out)

    def key(choice: tuple[bool, ...]) -> tuple:
        # in running text, read each choice as the slid-mark rule will leave it: a mark slid in
        # the same word (`ล าดบั`) must not make the wrong vowel read better (`ลาด|บั` against
        # `ลำ|ดบั`). Not in letter-spaced runs, mostly names there, where a move the
        # dictionary likes would also carry the wrong vowel in (`ซ า น ดริ ง` -> `ซำนิดรง`)
        built = build(choice)
        cost = lex.cost(built)
        if prior_am and cost.unknown:  # a choice that reads as known words has no slid mark to mend
            cost = lex.cost(mended_run(built, lex))
        n_aa = sum(not c for c in choice)
        if prior_am and not am_whole:
            return (cost.unknown, n_aa, cost.words, cost.rarity)
        return (cost.unknown, cost.words, cost.rarity, -n_aa)

    if len(slots) > 8:  # long runs: decide one slot at a time, later slots provisionally SARA AM
        chosen: list[bool] = []
        for k in range(len(slots)):
            rest = (True,) * (len(slots) - k - 1)
            chosen.append(min((True, False), key=lambda c: key((*chosen, c, *rest))))
        best = tuple(chosen)
    elif prior_am:
        best = min(itertools.product((True, False), repeat=len(slots)), key=key)
    else:
        # letter-spaced: the fewest unknown letters and words, then the likelier reading
        # (`ท า ร า ย ไ ด้` = `ทำรายได้`); where readings are about as likely (a name the
        # dictionary cannot read), the commoner SARA AA
        scored = [(key(c), c) for c in itertools.product((True, False), repeat=len(slots))]
        top = min(k[:2] for k, _ in scored)
        pool = [(k, c) for k, c in scored if k[:2] == top]
        floor = min(k[2] for k, _ in pool)
        best = min((c for k, c in pool if k[2] <= floor + 2.5), key=sum)
    return build(best), sum(best)


_SPACED_AA = re.compile(f"{_C}{_T}? {SARA_AA}")


def am_written_whole(raw: str) -> bool:
    """The text writes SARA AM whole (or as NIKHAHIT + SARA AA) far more often than as a letter,
    a space and SARA AA: the font's SARA AM did not lose its circle, and a space before SARA AA
    is as spurious as a space anywhere else in a word."""
    return raw.count(SARA_AM) + raw.count(NIKHAHIT) > 2 * len(_SPACED_AA.findall(raw))


def split_am(text: str, lex: Lexicon, fixes: Counter[str], am_whole: bool = False) -> str:
    """`ก าหนด` -> `กำหนด`, unless the dictionary reads SARA AA: `ก ารทูต` -> `การทูต`."""
    if f" {SARA_AA}" not in text:
        return text
    pos = 0
    while (m := _SPLIT_AM.search(text, pos)) is not None:
        left_start = m.start()
        while left_start > 0 and text[left_start - 1] in LETTERS:
            left_start -= 1
        right_end = m.end()
        while right_end < len(text) and text[right_end] in LETTERS:
            right_end += 1
        left = text[left_start:m.end(1)]
        right = SARA_AA + text[m.end():right_end]
        joined, n_am = _best_join([left, right], lex, True, am_whole)
        nxt = re.match(f" ([{LETTERS}]+)", text[right_end:])
        if len(right) <= 3 and nxt:
            # a short piece (`ต าบ ล`) may be cut again: judge it with the next piece attached
            longer, n_am = _best_join([left, right + nxt.group(1)], lex, True, am_whole)
            joined = longer[: len(joined)]
        text = text[:left_start] + joined + text[right_end:]
        pos = left_start + len(left)
        fixes["sara_am" if n_am else "space_in_word"] += 1
    return text


def letter_spaced(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """Collapse justified runs such as `เ ศ ร ษ ฐ กิ จ` (rule 5)."""
    tokens = text.split(" ")
    if len(tokens) < 4:
        return text
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if not _is_tiny(tokens[i]):
            out.append(tokens[i])
            i += 1
            continue
        j = i
        while j < len(tokens) and _is_tiny(tokens[j]):
            j += 1
        run = tokens[i:j]
        singles = sum(spelling_units(t) == 1 for t in run)
        if len(run) >= 4 and singles >= 3 and singles * 2 >= len(run):
            joined, n_am = _best_join(run, lex, prior_am=False)
            out.append(joined)
            fixes["letter_spacing"] += 1
            if n_am:
                fixes["sara_am"] += n_am
        else:
            out.extend(run)
        i = j
    return " ".join(out)


def _should_join(left: str, right: str, lex: Lexicon) -> bool:
    tail, head = thai_tail(left), thai_head(right)
    if not tail or not head:
        return False
    if right[len(head):len(head) + 1] == ".":
        return False  # an abbreviation (`พ.ศ.`, `ดร.`, `จ.`) opens a word; it is no cut-off piece
    if head[0] in FOLLOW_VOWELS or head[0] in MARKS or tail[-1] in LEAD_VOWELS:
        return True  # a word cannot start with these, nor end with a leading vowel
    tail_toks = lex.segment(tail)
    head_toks = lex.segment(head)
    if not (lex.is_unknown(tail_toks[-1]) or lex.is_unknown(head_toks[0])):
        return False
    split = lex.unknown_chars(tail) + lex.unknown_chars(head)
    if lex.unknown_chars(tail + head) >= split:
        return False
    # and a known word across the space must take in a whole piece the space cut off
    # (`ประเท|ศ` -> `ประเทศ`, `ดั|งนั้` -> `ดัง|นั้น`): two names side by side may only happen to
    # segment better joined (`เดวิด ลอยด์` -> `เด|วิ|ดล|อยด์`)
    lo, hi = len(tail) - len(tail_toks[-1]), len(tail) + len(head_toks[0])
    pos = 0
    for tok in lex.segment(tail + head):
        end = pos + len(tok)
        if pos < len(tail) < end:
            if not lex.is_word(tok):
                return False
            takes_tail = pos <= lo and lex.is_unknown(tail_toks[-1])
            takes_head = end >= hi and lex.is_unknown(head_toks[0])
            return takes_tail or takes_head
        pos = end
    return False


def spurious_spaces(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """`ประเท ศ` -> `ประเทศ`: a space goes when the joined form segments better (rule 6)."""
    parts = re.split(r"( +)", text)
    out = [parts[0]]
    for k in range(1, len(parts), 2):
        sep, tok = parts[k], parts[k + 1]
        left = out[-1]
        if sep == " " and left and tok and left[-1] in LETTERS and tok[0] in LETTERS and _should_join(
            left, tok, lex
        ):
            out[-1] = left + tok
            fixes["space_in_word"] += 1
        else:
            out.extend((sep, tok))
    return "".join(out)


# Letter-spaced digits: three or more single digits anywhere, two in references (`February 1 2`).
_SPACED_DIGITS = {n: re.compile(rf"(?<![\w.,/-])\d(?: \d){{{n - 1},}}(?![\w.,/-])") for n in (2, 3)}


def digit_spacing(text: str, fixes: Counter[str], min_run: int) -> str:
    """`( 2 0 2 5 ,` -> `(2025,`: letter-spaced digits in dates and numbers."""

    def join(m: re.Match[str]) -> str:
        fixes["digit_spacing"] += 1
        return m.group(0).replace(" ", "")

    return _SPACED_DIGITS[min_run].sub(join, text)


def tidy_spaces(text: str, fixes: Counter[str]) -> str:
    """Spaces just inside brackets go, runs become one space, the line is stripped (rule 6)."""
    text = _sub(_BRACKET_OPEN, r"\1", text, fixes, "bracket_space")
    text = _sub(_BRACKET_CLOSE, r"\1", text, fixes, "bracket_space")
    return _SPACES.sub(" ", text).strip()
