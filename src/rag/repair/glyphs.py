"""Glyph repair of one line of PDF-extracted Thai text (rules 1, 2, 3, 5, 6, 7 of CONVENTIONS.md).

Each rule is a small function that counts its fixes under one name, so `rag clean --report`
can say what was repaired. The order matters: characters are cleaned first (private-use
glyphs, controls), then mark order and marks on the wrong side of a space, then the
space-related damage, whose fixes need a dictionary (lost SARA AM, letter-spaced runs,
spurious spaces), and last the marks that slid to the next letter (`repair_vowels`), which
only show once words are whole again.

Written by hand: PyThaiNLP's `normalize` covers mark order but deletes marks it finds after a
space (they are the misplaced vowels we must put back) and has no notion of SARA AM split into
a space, letter-spacing or PDF private-use glyphs; `fixthaipdf` rewrites by word-pair tables and
loses per-rule counts. Both are compared against this module in eval/bench_repair.py.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter

from rag.repair.displaced import displaced_marks, repeated_clusters
from rag.repair.vowels import mended_run, slid_marks
from rag.thai.chars import (
    CONSONANTS,
    DIGITS,
    FOLLOW_VOWELS,
    LEAD_VOWELS,
    LETTERS,
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
    spelling_units,
    thai_head,
    thai_tail,
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
# SARA AM that lost its nikhahit and came out as SPACE + SARA AA: `ก าหนด`, `น้ าเงิน`.
_SPLIT_AM = re.compile(f"({_C}{_T}?) +{SARA_AA}")
_BRACKET_OPEN = re.compile(r"([(\[{]) +")
_BRACKET_CLOSE = re.compile(r" +([)\]}])")
_SPACES = re.compile(r" {2,}")


def _is_thai(ch: str) -> bool:
    return ch in LETTERS


# --- rule 0 and 7: characters -------------------------------------------------------------


def clean_chars(text: str, fixes: Counter[str]) -> str:
    """Controls and zero-width characters go, odd spaces become spaces, PUA glyphs are mapped."""
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


# --- dictionary-settled rules ---------------------------------------------------------------


def _is_tiny(token: str) -> bool:
    return bool(token) and all(_is_thai(ch) for ch in token) and spelling_units(token) <= 3


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


def _split_am(text: str, lex: Lexicon, fixes: Counter[str], am_whole: bool = False) -> str:
    """`ก าหนด` -> `กำหนด`, unless the dictionary reads SARA AA: `ก ารทูต` -> `การทูต`."""
    if f" {SARA_AA}" not in text:
        return text
    pos = 0
    while (m := _SPLIT_AM.search(text, pos)) is not None:
        left_start = m.start()
        while left_start > 0 and _is_thai(text[left_start - 1]):
            left_start -= 1
        right_end = m.end()
        while right_end < len(text) and _is_thai(text[right_end]):
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


def _letter_spaced(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
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


def _spurious_spaces(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """`ประเท ศ` -> `ประเทศ`: a space goes when the joined form segments better (rule 6)."""
    parts = re.split(r"( +)", text)
    out = [parts[0]]
    for k in range(1, len(parts), 2):
        sep, tok = parts[k], parts[k + 1]
        left = out[-1]
        if sep == " " and left and tok and _is_thai(left[-1]) and _is_thai(tok[0]) and _should_join(
            left, tok, lex
        ):
            out[-1] = left + tok
            fixes["space_in_word"] += 1
        else:
            out.extend((sep, tok))
    return "".join(out)


# Letter-spaced digits: three or more single digits anywhere, two in references (`February 1 2`).
_SPACED_DIGITS = {n: re.compile(rf"(?<![\w.,/-])\d(?: \d){{{n - 1},}}(?![\w.,/-])") for n in (2, 3)}


def _digit_spacing(text: str, fixes: Counter[str], min_run: int) -> str:
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


def repair_glyphs(
    text: str, fixes: Counter[str], *, note: bool = False, flag_markers: bool = True, lex: Lexicon | None = None,
    am_whole: bool = False,
) -> str:
    """Repair one line's glyphs. Digits are left where they are: markers are settled later,
    with the whole document in view. `note` lines (references) also get 2-digit runs joined
    (`February 1 2`), which in body text could be two numbers. With `flag_markers`, digits
    found inside a syllable are followed by SURE for the marker stage; without, they are not.

    The rules run again until the line stops changing (a join can bring two marks together, a
    mark put back can make a word whole enough to join its neighbour), so that repairing the
    output once more changes nothing. Dictionary look-ups are memoised, so the extra round is
    cheap."""
    lex = lex or lexicon()
    text = _SPACES.sub(" ", clean_chars(text, fixes)).strip(" ")  # runs of spaces are one (rule 6)
    thai = any("\u0e01" <= ch <= "\u0e5b" for ch in text)
    for _ in range(6):
        before = text
        if thai:
            # before the marks are put in order: a tone set after the next letter and the space
            # would otherwise be taken for that letter's own (`นีว้ ่า` = `นี้ว่า`)
            text = displaced_marks(text, lex, fixes)
        text = order_marks(text, fixes)
        if not flag_markers:
            text = text.replace(SURE, "")
        if thai:
            text = _letter_spaced(text, lex, fixes)
            text = _split_am(text, lex, fixes, am_whole)
            text = repeated_clusters(text, lex, fixes)
            text = _spurious_spaces(text, lex, fixes)
            text = slid_marks(text, lex, fixes)
        text = _digit_spacing(text, fixes, 2 if note else 3)
        text = tidy_spaces(text, fixes)
        if text == before:
            break
    return text
