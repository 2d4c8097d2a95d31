"""Rule 3 of CONVENTIONS.md: marks that slid onto the next letter (`ภูมภิาค` -> `ภูมิภาค`,
`ทีป่ฏิบัตกิาร` -> `ที่ปฏิบัติการ`).

The damaged and the sound spelling differ by one mark's place, so the repair tries moving
marks back and keeps a move only where a general dictionary then reads whole words. The hard
part is not to "repair" what is sound: transliterated names are unknown to any dictionary and
a mark moved in them often makes a string of short accidental words (`สมิธ` -> `สิม|ธ`). The
guards below (only backward moves, the mark must sit in or next to an unknown piece, the new
reading must be whole words with no unknown neighbour, rare short words are no evidence) were
set on synthetic damage and checked against clean XQuAD paragraphs, which must pass unchanged.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from dataclasses import dataclass

from rag.thai.chars import (
    ABOVE_VOWELS,
    BELOW_VOWELS,
    CONSONANTS,
    FOLLOW_VOWELS,
    LEAD_VOWELS,
    LETTERS,
    MARKS,
    SARA_AA,
    THANTHAKHAT,
    TONES,
    VOWEL_MARKS,
    spelling_units,
)
from rag.thai.lexicon import Lexicon
from rag.thai.lexicon import clear_caches as lexicon_clear_caches


def _clusters(word: str) -> list[list[str]]:
    """[letter, marks...] groups; lead and follow vowels are groups of their own."""
    groups: list[list[str]] = []
    for ch in word:
        if ch in MARKS and groups and groups[-1][0] in CONSONANTS:
            groups[-1].append(ch)
        else:
            groups.append([ch])
    return groups


def _slot(mark: str) -> str:
    return "v" if mark in ABOVE_VOWELS or mark in BELOW_VOWELS else "t"


# Corpus frequency cost (PyThaiNLP's word frequencies, lower = commoner) under which a
# one-syllable word counts as one of the commonest: มี 4.2, ที่ 3.7, ก็ 4.7, ดี 5.9, ปี 6.1,
# against มิ 8.1, สิ 8.0, วิ 8.9.
_VERY_COMMON = 6.5

# Marks that slide in PDF text and can be slid back on the dictionary's word. THANTHAKHAT is
# moved only where it stands in a place Thai spelling never puts it (`_FAULTS`): moving it on
# the dictionary's word is what turns a correct transliteration (`เพิร์ล`) into short words.
_SLIDING = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e47" + TONES)
_MOVABLE = _SLIDING | {THANTHAKHAT}

_C = f"[{CONSONANTS}]"
_MAI_HAN_AKAT = "\u0e31"
_MAITAIKHU = "\u0e47"
# Marks where Thai spelling never writes them: the syllable structure a mark implies is broken.
# None of these occurs in PyThaiNLP's word lists (words_th, orst_words_th); in clean Wikipedia
# text only as typos. A slid mark usually leaves one behind, so a move that mends one is good
# evidence on its own, and a move that makes one is never a repair.
_FAULTS = re.compile("|".join((
    # THANTHAKHAT silences its letter, which then cannot carry a vowel (`องคก์าร`, `ตั์`)
    f"{THANTHAKHAT}[{FOLLOW_VOWELS}]",
    f"{_C}[\u0e31\u0e35\u0e36\u0e37\u0e39\u0e47]{THANTHAKHAT}",
    # MAI HAN-AKAT is a short vowel closed by the next consonant (`กัง`): a vowel cannot follow
    # it (`อคัเคอร์`), nor can that consonant open a syllable of its own (`อลัฟาโร`; `ผัวะ` is
    # the one spelling with SARA A there)
    f"{_MAI_HAN_AKAT}[{TONES}]?+(?!{_C})",
    f"{_MAI_HAN_AKAT}[{TONES}]?+{_C}(?:[\u0e32\u0e33]|(?<!\u0e27)\u0e30)",
    # MAITAIKHU shortens the vowel of a closed syllable: written on the letter after a lead vowel
    # (`เป็น`, `เหล็ก`), before O ANG (`ช็อก`) or in the word ก็, and always closed by a
    # consonant (`กจ็ะ` is no spelling)
    f"(?<![{LEAD_VOWELS}])(?<![{LEAD_VOWELS}]{_C})(?!\u0e01){_C}{_MAITAIKHU}(?!\u0e2d)",
    f"(?!\u0e01){_C}{_MAITAIKHU}(?!{_C})",
    # a letter carries one vowel: an upper or lower vowel is not followed by SARA A, AA or AM
    # (`สขีาว`)
    f"[{ABOVE_VOWELS}{BELOW_VOWELS}][{TONES}]?[{FOLLOW_VOWELS}]",
    # a lead vowel's syllable takes only the marks of its own vowel, on its first letter: SARA O,
    # AI MAIMALAI and AI MAIMUAN take none (`ไมิ`), SARA E and AE no MAI HAN-AKAT or lower vowel
    # (`เกุ`), SARA AE no upper vowel but MAITAIKHU; and in SARA IA (`เรียน`) SARA II sits on the
    # first letter, not on the YO YAK after it (`เรยีน`), unless HO HIP or O ANG leads that YO
    # YAK (`เหยียด`)
    f"[\u0e42\u0e43\u0e44]{_C}[{ABOVE_VOWELS}{BELOW_VOWELS}]",
    f"[\u0e40\u0e41]{_C}[{_MAI_HAN_AKAT}{BELOW_VOWELS}]",
    f"\u0e41{_C}[\u0e34-\u0e37]",
    f"\u0e40(?![\u0e2b\u0e2d]){_C}\u0e22\u0e35",
)))


def _faults(word: str, follow: str = "") -> int:
    """How many marks in `word` stand where Thai spelling never writes them (`_FAULTS`), read
    with the letters that `follow` it: where the word may run on (past the line's end, or past a
    space that may be damage) a mark that wants a closing consonant there is judged on what
    comes next."""
    return len(_FAULTS.findall(word + follow))


@dataclass(frozen=True)
class _Move:
    text: str
    src: int  # offset of the letter the mark left
    dst: int  # offset of the letter that took it
    tone: bool
    was: int  # offset of the mark in the word before the move


def _moves(word: str) -> list[_Move]:
    """Every spelling reached by moving one mark back to the letter before it, when that letter
    has the mark's slot free. PDF text slides marks forward (`ภูมิภาค` -> `ภูมภิาค`), so only the
    backward move is a repair; trying both ways only invites false "corrections" of names."""
    groups = _clusters(word)
    starts = list(itertools.accumulate((len(g) for g in groups), initial=0))
    out: list[_Move] = []
    for gi in range(1, len(groups)):
        g, prev = groups[gi], groups[gi - 1]
        if len(g) == 1 or g[0] not in CONSONANTS or prev[0] not in CONSONANTS:
            continue
        for mi, mark in enumerate(g[1:], 1):
            if mark not in _MOVABLE:
                continue
            vowel = _slot(mark) == "v"
            if not vowel and any(x in VOWEL_MARKS for x in g[1:mi]):
                # a tone after its letter's vowel is in its place (`ดี้`): a slid tone lands right
                # after the next letter (`ทีป่ฏิ`); moving this one makes words of a name (`กูดี้`)
                continue
            if any(_slot(x) == _slot(mark) or x == THANTHAKHAT for x in prev[1:]):
                continue
            was = starts[gi] + mi
            ins = starts[gi - 1] + 1 if vowel else starts[gi]  # vowel after the letter, tone last
            text = word[:ins] + mark + word[ins:was] + word[was + 1:]
            out.append(_Move(text, starts[gi] + 1, starts[gi - 1], not vowel and mark in TONES, was))
    return out


def _token_span(tokens: list[str], offset: int) -> int:
    pos = 0
    for i, tok in enumerate(tokens):
        if pos <= offset < pos + len(tok):
            return i
        pos += len(tok)
    return len(tokens) - 1


def _plausible(move: _Move, tokens: list[str], lex: Lexicon, *, gain: float | None, fewer: bool,
               bare: bool = False) -> bool:
    """The move must leave whole, known words around the spot: one word holding both letters
    (`ภูม|ภิาค` -> `ภูมิภาค`) or two words meeting there (`ทีป่ฏิ` -> `ที่|ปฏิ`); no unknown
    piece next to them; and not a rare short word (a name's syllables often read as one:
    `วิลคี` must not become `วิ|ลีค`). Where the word read as known pieces before, `gain` is
    how much likelier (in corpus frequency) the new reading is: a long word, or a clear gain,
    is evidence enough (`โรง|เร|ยีน` -> `โรงเรียน`, `ท|มี` -> `ทีม`); `โด|เม|นิ|โก`, a name,
    must stay. `fewer`: the new reading has fewer pieces, or no unknown piece left. `bare`: the
    letter that takes the mark stood alone before, a consonant with no vowel of its own
    (`ที่|ม|คี|รีบ`), or inside an unknown piece (`นี้|มคีน|อยู่`); then a one-syllable word may be made
    there if it is one of the commonest (`มี|ครีบ`, `ซึ่ง|มี|พระ...`), not a rarer one
    (`มิ`, `วิ`) that a name's letters make by accident."""
    i = _token_span(tokens, move.dst)
    j = _token_span(tokens, move.src)
    lo, hi = max(0, i - 1), min(len(tokens), j + 2)
    if any(lex.is_unknown(t) for t in tokens[lo:hi]):
        return False
    a, b = tokens[i], tokens[j]
    if not (lex.is_word(a) and lex.is_word(b)):
        return False
    common = lex.freq_cost.get(a, 0.0) <= 14.0
    if i == j:
        units = spelling_units(a)
        if gain is not None:
            return common and (units >= 4 or (units >= 2 and gain >= 8.0))
        if units <= 2:
            return len(a) >= 3 and common and fewer
        return units >= 3
    if spelling_units(a) <= 1 and not move.tone and not (bare and lex.freq_cost.get(a, 99.0) <= _VERY_COMMON):
        return False  # `มิลลิง` -> `มิ|ลิ|ลง`: one-letter words are too easily made by accident
    return gain is None and len(a) + len(b) >= 5 and fewer and common


@functools.lru_cache(maxsize=1 << 14)
def _shift_word(word: str, lex: Lexicon, follow: str = "") -> tuple[str, int]:
    """Slide marks back until the dictionary reads `word` no better; (new word, moves made).

    A move that mends a spelling fault (`_FAULTS`) is taken where the dictionary reads the
    result no worse (`กจ็ะ` -> `ก็จะ`); a move that makes one is never taken. Otherwise a move
    is taken when it leaves fewer unknown letters (by 3, or none at all) and at most one more
    piece per unknown piece it mends (`เปน็ละคร` -> `เป็น|ละคร`); or, where every piece is
    already known, when it glues pieces into fewer, likelier words (`โรง|เร|ยีน` ->
    `โรงเรียน`). In both dictionary cases `_plausible` must accept where the mark lands."""
    moves = 0
    for _ in range(3):
        base = lex.cost(word)
        faults = _faults(word, follow)
        pieces = lex.segment(word)
        base_pieces = len(pieces)
        unknown_pieces = sum(lex.is_unknown(t) for t in pieces)
        best: tuple[int, int, int, int] | None = None
        best_text = word
        for move in _moves(word):
            after = _faults(move.text, follow)
            if after > faults:
                continue
            if after < faults:
                cost = lex.cost(move.text)
                key = (after, cost.unknown, len(lex.segment(move.text)), cost.words)
                if cost.unknown <= base.unknown and (best is None or key < best):
                    best, best_text = key, move.text
                continue
            if best is not None and best[0] < faults:
                continue  # a fault mended beats any dictionary reading
            if word[move.was] == THANTHAKHAT and move.src not in itertools.accumulate(
                    len(t) for t in lex.segment(move.text)):
                # off a fault, only back across a word's end (`ภาพยนตรก์ว่า` -> `ภาพยนตร์|กว่า`):
                # inside one word it picks between spellings of a name in use
                # (`ซูเปอร์โบวล์` beside the dictionary's `ซูเปอร์โบว์ล`)
                continue
            if _respelt(pieces, move, lex):
                cost = lex.cost(move.text)
                key = (faults, cost.unknown, len(lex.segment(move.text)), cost.words)
                if best is None or key < best:
                    best, best_text = key, move.text
                continue
            local = not base.unknown or _known_around(pieces, move.was, lex)
            if not _in_damage(pieces, move.was, lex, known=local):
                continue  # the mark sat in a sound word: `คอมพานีค้าขาย` keeps its `ค้าขาย`
            cost = lex.cost(move.text)
            tokens = lex.segment(move.text)
            if _cuts_final(pieces, tokens, move.dst, lex):
                continue
            landing = pieces[_token_span(pieces, move.dst)]
            mended = not cost.unknown or (
                _known_around(tokens, move.dst, lex) and (len(landing) > 1 or stranded(word, move.dst))
            )
            if cost.unknown > base.unknown or (base.unknown - cost.unknown < 3 and not mended):
                continue
            if len(tokens) > base_pieces + unknown_pieces or (
                cost.unknown == base.unknown and len(tokens) >= base_pieces
            ):
                continue
            key = (faults, cost.unknown, len(tokens), cost.words)
            gain = base.rarity - cost.rarity if local and cost.unknown == base.unknown else None
            fewer = len(tokens) < base_pieces or cost.unknown == 0
            bare = len(landing) == 1 or lex.is_unknown(landing)
            if (best is None or key < best) and _plausible(move, tokens, lex, gain=gain, fewer=fewer, bare=bare):
                best, best_text = key, move.text
        if best is None:
            if base.unknown >= 3 and (pair := _two_moves(word, base_pieces, lex, follow)) is not None:
                return pair, moves + 2
            break
        word = best_text
        moves += 1
    return word, moves


# How much likelier (corpus frequency cost, natural log) a piece must become for its spelling to
# count as a misprint. Over PyThaiNLP's whole word list one backward move makes a known word this
# much commoner only where the entry is itself a misprint (`แหง่` -> `แห่ง`, `บญุ` -> `บุญ`,
# `วสัดุ` -> `วัสดุ`); a sound word's neighbours by one mark are never that much commoner (`หนิ`
# -> `หิน` gains 6). A piece the dictionary does not know costs as a word never seen, so from
# one it asks for a common word (`คณุ` -> `คุณ`), which a name's letters rarely make.
_MISPRINT_GAIN = 8.0
# Corpus frequency cost under which a short word (two letters on the line) is common enough to be
# read where a mark lands: วง 8.6, คุณ 6.1, คือ 6.0, but not คล 12.1 or วีต 14.8.
_COMMON_SHORT = 10.0


def _respelt(pieces: list[str], move: _Move, lex: Lexicon) -> bool:
    """The mark moves inside the pieces between two word boundaries that both readings share,
    and makes of them known words, no more of them, far likelier as a whole
    (`_MISPRINT_GAIN`): the slid spelling is a misprint, known to the dictionary (`แหง่`) or not
    (`คณุ`, `แตว่ง`). The pieces around them read as they did."""
    ends = (pieces[_token_span(pieces, move.was)], pieces[_token_span(pieces, move.dst)])
    if all(lex.freq_cost.get(t, 99.0) <= _COMMON_SHORT for t in ends):
        return False  # the mark leaves and takes common words: no misprint there (and no need to segment)
    tokens = lex.segment(move.text)
    old_b = set(itertools.accumulate(len(t) for t in pieces))
    new_b = list(itertools.accumulate((len(t) for t in tokens), initial=0))
    shared = sorted(old_b.intersection(new_b) | {0})
    lo = max(b for b in shared if b <= move.dst)
    hi = min(b for b in shared if b > move.was)
    old = [t for t, e in zip(pieces, itertools.accumulate(len(t) for t in pieces), strict=True) if lo < e <= hi]
    inside = [lo < e <= hi for e in new_b[1:]]
    new = [t for t, keep in zip(tokens, inside, strict=True) if keep]
    first, last = inside.index(True), len(inside) - 1 - inside[::-1].index(True)
    around = tokens[max(0, first - 1):first] + tokens[last + 1:last + 2]
    if len(new) > len(old) or any(lex.is_unknown(t) for t in new + around):
        return False  # an unknown piece next to them: a name's letters (`ส|มิ|ธ` -> `สิม|ธ`)
    if any(spelling_units(t) <= 1 and lex.freq_cost.get(t, 99.0) > _VERY_COMMON for t in new):
        return False  # `สมิธ` -> `สิม|ธ`: a one-letter word is too easily made by accident
    landing, left = tokens[_token_span(tokens, move.dst)], tokens[_token_span(tokens, move.src)]
    if any(spelling_units(t) <= 2 and lex.freq_cost.get(t, 99.0) > _COMMON_SHORT for t in (landing, left)):
        return False  # `นา|ยม|คีล` -> `นาย|มี|คล`: a rare short word where the mark lands is no evidence
    if not lex.is_unknown(pieces[_token_span(pieces, move.was)]) and spelling_units(landing) < 3:
        # the mark left a known syllable for a lone letter: a name's letters make short words
        # that way (`ดิ|ออน` -> `นิด|ออน`, `ตี` -> `วีต`); only a longer word is evidence
        # (`ล|กู|สาว` -> `ลูกสาว`)
        return False

    def cost(words: list[str]) -> float:
        return sum(lex.freq_cost.get(t, lex.rare_cost) for t in words)

    return cost(old) - cost(new) >= _MISPRINT_GAIN


def _cuts_final(pieces: list[str], tokens: list[str], dst: int, lex: Lexicon) -> bool:
    """The mark lands on the last letters of a known word and makes that letter open a word of
    its own (`แห่ง|กัส` -> `แห่|งัก|สติ`, `โมเดล|กัน` -> `โม|เด|ลัก|น`): the word before was
    sound, and the unknown letters after it (a name) read as short words by accident. A piece of
    two letters is no such word: the segmenter makes scraps of them around damage (`กา|รร|กุ`)."""
    k = _token_span(pieces, dst)
    start = sum(len(t) for t in pieces[:k])
    if dst == start or lex.is_unknown(pieces[k]) or spelling_units(pieces[k]) < 3:
        return False
    j = _token_span(tokens, dst)
    return sum(len(t) for t in tokens[:j]) == dst


def _known_around(pieces: list[str], offset: int, lex: Lexicon) -> bool:
    """No unknown piece within two pieces of `offset`: a name elsewhere in the run (runs of
    Thai letters are whole phrases) says nothing about the words here."""
    k = _token_span(pieces, offset)
    return not any(lex.is_unknown(t) for t in pieces[max(0, k - 2):k + 3])


def stranded(word: str, pos: int) -> bool:
    """The consonant at `pos`, read on its own, cannot close the syllable before it: nothing
    comes before it, or a consonant that is no lead vowel's first letter (`กับ|ท|มี`, `ซึ่ง|ม|พี`).
    After SARA AA, a vowel mark, a tone or a lead vowel's first letter it may well be a final
    (`มาว|รี`, `เซลีน|ดิ`, `เลข`), and a name the dictionary cannot read is no evidence of damage."""
    if pos == 0:
        return True
    prev = word[pos - 1]
    if prev == SARA_AA or prev in VOWEL_MARKS or prev in TONES:
        return False
    # SARA AI's syllables (`ใน`, `ไป`) are closed already; the other lead vowels' may take a final
    return not (prev in CONSONANTS and pos >= 2 and word[pos - 2] in LEAD_VOWELS and word[pos - 2] not in "\u0e43\u0e44")


def _in_damage(pieces: list[str], offset: int, lex: Lexicon, *, known: bool = False) -> bool:
    """Is the mark at `offset` in an unknown piece, or in a scrap of one or two letters next to
    one (`เอ|ยี|ด`), rather than in a word of its own? Where every piece is `known`, a scrap
    of one or two letters is suspect enough (`โรง|เร|ยีน`)."""
    k = _token_span(pieces, offset)
    if lex.is_unknown(pieces[k]):
        return True
    if spelling_units(pieces[k]) > 2:
        return False
    near = pieces[max(0, k - 1):k] + pieces[k + 1:k + 2]
    return known or any(lex.is_unknown(t) for t in near)


def _two_moves(word: str, base_pieces: int, lex: Lexicon, follow: str) -> str | None:
    """Two marks slid in one word (`ทีป่ฏิบัตกิาร`): neither move alone reads better, both
    together read as known words only. Taken only when the whole run then reads as known
    words, in fewer pieces, with both moves plausible where they land."""
    best: tuple[int, int] | None = None
    best_text = None
    faults = _faults(word, follow)
    for first in _moves(word):
        if word[first.was] == THANTHAKHAT:
            continue
        for second in _moves(first.text):
            if first.text[second.was] == THANTHAKHAT or _faults(second.text, follow) > faults:
                continue
            if lex.cost(second.text).unknown:
                continue
            tokens = lex.segment(second.text)
            if len(tokens) >= base_pieces or not _plausible(second, tokens, lex, gain=None, fewer=True):
                continue
            if _cuts_final(lex.segment(word), lex.segment(first.text), first.dst, lex) or _cuts_final(
                lex.segment(first.text), tokens, second.dst, lex
            ):
                continue
            key = (len(tokens), lex.cost(second.text).words)
            if best is None or key < best:
                best, best_text = key, second.text
    return best_text


def mended_run(run: str, lex: Lexicon) -> str:
    """A run of Thai letters as `slid_marks` leaves it (to judge other repairs on words whole
    again)."""
    return _shift_word(run, lex)[0]


def slid_marks(text: str, lex: Lexicon, fixes: Counter[str]) -> str:
    """`ภูมภิาค` -> `ภูมิภาค`: a mark slid onto the next letter (rule 3), put back where the
    dictionary then reads whole words (see `_shift_word`)."""

    def fix(m: re.Match[str]) -> str:
        # the word may run on past the line's end, or past a space that is itself damage
        # (`เป็นวั ดอีก`): spelling faults are judged on what follows it there
        after = text[m.end():m.end() + 4]
        follow = "\u0e01" if not after else after[1:] if after[:1] == " " and after[1:2] and after[1] in CONSONANTS else ""
        word, moves = _shift_word(m.group(0), lex, follow)
        fixes["vowel_shift"] += moves
        return word

    return re.sub(f"[{LETTERS}]{{3,}}", fix, text)


def clear_caches() -> None:
    """Forget the memoised word shifts (and the lexicon's look-ups), for timing a fresh document."""
    _shift_word.cache_clear()
    lexicon_clear_caches()
