"""Names a generated sentence states that the name test of Latin-script words
(rag.generate.check, rule 5) cannot see: an organisation named by its kind in ordinary English
words ("Japan's Ministry of Education"), and a proper name written in Thai letters inside a Thai
sentence (ชิคาโก, อาร์เจนตินา, ไบเดน). Swapping one such name is a generated answer's usual slip,
and it leaves the rest of the sentence, hence its vector and most of its words, as faithful as
before.

An organisation: every word of "Ministry of Education" is one the dictionary knows, so rule 5
leaves it to the similarity (the words may translate the passage's own), and the sentence
vector barely moves when "Ministry" replaces "Council". What a wrong organisation most often
gets wrong is its kind, and the kinds are few: a capitalised phrase of two words or more that
holds a kind word ("Department of Commerce", "National Security Council") must find that kind
in the cited passages, in English or as its Thai word (กระทรวง, สภา, กรม ...). The Thai words are listed here:
the bilingual dictionary's first sense of these words is often another (ministry: the
building, ตึกกระทรวง), and a kind must be read as its Thai office names it.

A Thai name: a Thai sentence over Thai passages must keep most of their words (rule 4), and one
swapped name among ten words keeps 90 %. A word that names a person, place or thing in Thai
letters must itself be there: such a word is a country (PyThaiNLP's list), or a title of the
Thai Wikipedia (PyThaiNLP's list of titles, offline) that the Royal Institute's dictionary
(PyThaiNLP's ORST word list) neither holds nor makes up from its words (ความสัมพันธ์ is two of
its words; ชิคาโก none). A name spelled otherwise in the passage (ฮาร์เวิร์ด, ฮาร์วาร์ด) is
matched by its consonants as rag.lexical.names reads them, and a shortened one (สหรัฐ for
สหรัฐอเมริกา) by a title that begins or ends it; a name of fewer than two consonant classes (a
fragment newmm cut from an unknown word: อัล, เรีย) is not read as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rag.lexical.names import ThaiSounds, collapse, thai_skeleton
from rag.lexical.tokenize import ENGLISH_STOPWORDS

# An organisation's kind, as English names it and as Thai text names it. Department: the US
# "Department of Commerce" is a กระทรวง, a Thai กรม a department.
ORGANISATION_KINDS: dict[str, tuple[str, ...]] = {
    "ministry": ("กระทรวง",),
    "ministries": ("กระทรวง",),
    "department": ("กระทรวง", "กรม", "แผนก", "ภาควิชา"),
    "council": ("สภา", "คณะมนตรี", "คณะกรรมการ"),
    "office": ("สำนักงาน", "สำนัก", "ทบวง"),
    "bureau": ("สำนัก", "สำนักงาน", "กรม"),
    "agency": ("หน่วยงาน", "สำนักงาน", "องค์การ", "ทบวง", "กรม"),
    "administration": ("สำนักงาน", "องค์การ", "หน่วยงาน", "รัฐบาล", "คณะบริหาร"),
    "commission": ("คณะกรรมาธิการ", "คณะกรรมการ"),
    "committee": ("คณะกรรมการ", "คณะกรรมาธิการ"),
    "authority": ("องค์การ", "สำนักงาน", "หน่วยงาน"),
    "institute": ("สถาบัน",),
    "university": ("มหาวิทยาลัย",),
    "bank": ("ธนาคาร",),
    "court": ("ศาล",),
    "parliament": ("รัฐสภา", "สภา"),
    "senate": ("วุฒิสภา",),
    "congress": ("สภาคองเกรส", "คองเกรส", "รัฐสภา"),
    "association": ("สมาคม",),
    "foundation": ("มูลนิธิ",),
    "organisation": ("องค์การ", "องค์กร"),
    "organization": ("องค์การ", "องค์กร"),
    "party": ("พรรค",),
    "army": ("กองทัพ", "ทหาร"),
    "navy": ("กองทัพเรือ", "ทหารเรือ"),
    "corporation": ("บริษัท", "บรรษัท"),
    "company": ("บริษัท",),
}
# Words that join a name's capitalised words ("Ministry of Science and Technology of China")
_JOINERS = frozenset({"of", "for", "and", "on", "the", "&"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|&")
MIN_NAME_CLASSES = 2  # fewer consonant classes than this: a fragment, not read as a name
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&'’-]*")
# Capitalised at a sentence's start, or as English capitalises them: not names. The English
# stop words and, beside them, function words and sentence adverbs the dictionary (WordNet:
# content words only) does not know, which would otherwise read as unknown, hence names
# ("Because Article 9 ..." asked for "Because"); May and Will stay names (a month, a person).
_NOT_NAMES = (ENGLISH_STOPWORDS - {"may", "will"}) | frozenset("""
while both however moreover furthermore besides thus finally first second third after before during
since under over between among one two passage passages authors author report because although though
whereas despite unlike within without throughout until unless whether once yet instead rather hence
therefore meanwhile nevertheless nonetheless overall today currently recently later earlier initially
eventually ultimately especially notably similarly likewise otherwise through across along against
toward towards upon beyond via per around amid following including
""".split())


def latin_names(sentence: str) -> list[list[str]]:
    """Runs of Latin-script names in ``sentence``: capitalised words, acronyms and words with
    digits, each run (e.g. "United States") as a list of its words. In a Thai sentence every
    capitalised Latin word counts; in an English one not its function words."""
    runs: list[list[str]] = []
    prev_end: int | None = None
    for m in LATIN_WORD.finditer(sentence):
        word = m.group().strip("'’-")
        name = any(c.isupper() for c in word) and word.lower() not in _NOT_NAMES
        name = name or (any(c.isdigit() for c in word) and any(c.isalpha() for c in word))
        if not name:
            prev_end = None  # a lower-case word ends the run: "Temujin married Borte" is two names
            continue
        if runs and prev_end is not None and sentence[prev_end:m.start()].strip() == "":
            runs[-1].append(word)
        else:
            runs.append([word])
        prev_end = m.end()
    return runs


def organisation_kinds(sentence: str) -> list[str]:
    """The kind words (lower-cased) inside a capitalised phrase of two words or more in an
    English ``sentence``: "Japan's Ministry of Education" and "National Security Council" give
    "ministry" and "council"; a kind alone ("the ministry", "the Ministry said") none."""
    phrases: list[list[str]] = []
    run: list[str] = []
    joiners: list[str] = []
    for w in _WORD.findall(sentence):
        if w[0].isupper():
            run += [*joiners, w] if run else [w]
            joiners = []
        elif run and w.lower() in _JOINERS:
            joiners.append(w)
        else:
            if run:
                phrases.append(run)
            run, joiners = [], []
    if run:
        phrases.append(run)
    out: list[str] = []
    for phrase in phrases:
        # "The Ministry" is a kind alone; "US Department" is not
        capitals = [w for w in phrase if w[0].isupper() and (w.isupper() or w.lower() not in ENGLISH_STOPWORDS)]
        if len(capitals) < 2:
            continue
        for w in capitals:
            kind = w.lower().removesuffix("'s").removesuffix("’s")
            if kind in ORGANISATION_KINDS and kind not in out:
                out.append(kind)
    return out


def kind_held(kind: str, latin: str, tokens: Iterable[str]) -> bool:
    """Whether the passages name an organisation of this kind: the English word among their
    Latin words (``latin``: space-padded, lower-cased), or a Thai word of it at the start of
    one of their tokens (กระทรวงการต่างประเทศ is one token to newmm at times)."""
    if f" {kind} " in latin or f" {kind.removesuffix('s')} " in latin:
        return True
    thai = ORGANISATION_KINDS[kind]
    return any(t.startswith(k) for t in tokens for k in thai)


@lru_cache(maxsize=1)
def _name_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    from pythainlp.corpus import countries, thai_orst_words, thai_wikipedia_titles

    return frozenset(countries()), frozenset(thai_wikipedia_titles()), frozenset(thai_orst_words())


@lru_cache(maxsize=1)
def _orst_trie():
    from pythainlp.util import Trie

    return Trie(_name_lists()[2])


@lru_cache(maxsize=16384)
def is_thai_name(word: str) -> bool:
    """Whether a Thai word names a person, place or thing: a country, or a Thai Wikipedia
    title that the Royal Institute's dictionary does not hold or make up from its words, with
    at least two consonant classes."""
    countries, titles, orst = _name_lists()
    if "ฯ" in word:  # shortened (สหรัฐฯ for สหรัฐอเมริกา): its full form is not known to compare
        return False
    if len(word) < 3 or len(collapse(thai_skeleton(word))) < MIN_NAME_CLASSES:
        return False
    if word in countries:
        return True
    if word not in titles or word in orst:
        return False
    from pythainlp.tokenize import word_tokenize

    parts = word_tokenize(word, custom_dict=_orst_trie(), engine="newmm")
    return not (len(parts) > 1 and all(p in orst for p in parts))


def load_name_lists() -> None:
    """Read the word lists now (~0.7 s once a process), not after an answer's last token."""
    _orst_trie()
    is_thai_name("ชิคาโก")


def missing_thai_names(words: Iterable[str], texts: Iterable[str], sounds: Iterable[ThaiSounds]) -> list[str]:
    """The Thai names among ``words`` (a sentence's content words the passages do not hold as
    written) that no passage holds by sound either (another spelling of the same name), nor as
    a shortened form (``texts``: the passages; สหรัฐ or อเมริกา for สหรัฐอเมริกา, a Wikipedia title
    that begins or ends the name)."""
    texts, sounds = list(texts), list(sounds)
    titles = _name_lists()[1]
    out = []
    for w in words:
        if not is_thai_name(w) or any(s.holds({collapse(thai_skeleton(w))}) for s in sounds):
            continue
        parts = {w[:i] for i in range(3, len(w))} | {w[i:] for i in range(1, len(w) - 2)}
        if not any(p in titles and p in t for p in parts for t in texts):
            out.append(w)
    return out
