"""English question words put into Thai through a bilingual dictionary, for cross-lingual search.

An English question over Thai text shares almost no words with it: BM25 finds the right
paragraph first for 3 % of XQuAD's English dev questions. The dense vectors carry the meaning
across, but they blur what tells two neighbouring paragraphs apart: the one concrete word
("gunpowder", "tentacles", "edict"). A dictionary puts those words into Thai (ดินปืน, หนวด,
พระราชกฤษฎีกา), and character-trigram BM25 (rag.trigrams) then finds them in the candidates'
text however newmm would have cut it.

The dictionary is WordNet's: an English lemma's synsets in Princeton WordNet 3.0, then the
Thai words of the same synsets in the Thai WordNet (NICT, shipped with PyThaiNLP as
``wordnet_th.db``). Each lemma keeps, per part of speech, the Thai words of its most frequent
sense that has any (WordNet orders senses by corpus frequency). More senses added more wrong
readings than right ones (XQuAD English dev R@1 in a harness over the same candidates: first
sense 0.894, first two 0.888-0.896). The file ``data/en_th.json.gz`` is built once by
``python -m rag.bilingual --wordnet DIR`` and shipped (its licences:
``data/LICENSE-en_th.txt``): at run time nothing is downloaded. NLTK's WordNet reader would
need the English WordNet downloaded, and a library lemmatiser would be a second dictionary to
ship, so the lookup is written here: WordNet's own lemmatiser (morphy: its exception lists,
then its suffix rules per part of speech, keeping the forms the dictionary holds) is a few
lines over the data this module already has.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from rag.lexical.tokenize import ENGLISH_STOPWORDS
from rag.thai.chars import is_thai

DATA = Path(__file__).with_name("data") / "en_th.json.gz"
_POS = (("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r"))
# WordNet's morphy suffix rules (morphy(7WN)) for each part of speech: "died" can only be the
# verb "die" (ตาย), never the noun (a dice, ลูกเต๋า); "came" only the verb "come".
_SUFFIXES = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
          ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}
_WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")
# A phrase WordNet holds ("computer science", "make up") is read as one entry before its words.
_PHRASE_WORDS = (3, 2)
# Words that say what is asked rather than what to find, on top of the stop words
# (rag.lexical): "Which paper is cited for ...?" asks for a footnote; read as a word, "cited"
# (การอ้างอิง) matches any passage that says it refers to something.
_SKIP = ENGLISH_STOPWORDS | frozenset("cite cites cited citing name named called".split())


@dataclass(frozen=True)
class Dictionary:
    """Per part of speech: English lemma -> "rank|thai|thai..." (the rank of its first sense
    that has Thai words, then those words), and WordNet's irregular forms -> their lemma. One
    string an entry, split when looked up: as lists the 100,000 entries took twice the memory
    (57 against 29 MB) and load time (~0.3 against ~0.14 s)."""

    words: dict[str, dict[str, str]]
    inflections: dict[str, dict[str, str]]

    @staticmethod
    def load(path: Path = DATA) -> Dictionary:
        raw = json.loads(gzip.decompress(path.read_bytes()))
        return Dictionary(words=raw["words"], inflections=raw["inflections"])

    def lemmas(self, word: str) -> list[tuple[str, str]]:
        """(part of speech, lemma) that ``word`` may be a form of, as morphy finds them: the
        word itself, its irregular base, then what that part of speech's suffix rules give."""
        out = []
        for _, pos in _POS:
            held = self.words.get(pos, {})
            found = [word] if word in held else []
            base = self.inflections.get(pos, {}).get(word)
            if base in held:
                found.append(base)
            for suffix, repl in _SUFFIXES[pos]:
                if word.endswith(suffix) and len(word) > len(suffix) + 1:
                    cand = word[: -len(suffix)] + repl
                    if cand in held:
                        found.append(cand)
            out += [(pos, lemma) for lemma in dict.fromkeys(found)]
        return out

    def knows(self, lemma: str) -> bool:
        return any(lemma in held for held in self.words.values())

    def thai(self, word: str) -> tuple[str, ...]:
        """Thai words of ``word``'s most frequent sense among its readings' first senses (on a
        tie, nouns before verbs, adjectives and adverbs)."""
        found = [self.words[pos][lemma].split("|") for pos, lemma in self.lemmas(word)]
        return tuple(min(found, key=lambda e: int(e[0]))[1:]) if found else ()

    def readings(self, word: str) -> list[str]:
        """The Thai words of every reading of ``word`` (each part of speech's first sense), in
        order: what a name check needs, which asks whether any of them is a country or sounds
        like the word ("Finnish": ภาษาฟินแลนด์, ฟินแลนด์)."""
        out = [t for pos, lemma in self.lemmas(word) for t in self.words[pos][lemma].split("|")[1:]]
        return [t for t in dict.fromkeys(out) if t]

    def translate(self, question: str) -> list[tuple[str, tuple[str, ...]]]:
        """The question's words and phrases with their Thai words, in question order; each is
        one alternative set (any of its Thai words may be the one the passage uses)."""
        words = []
        for w in _WORD.findall(question.lower()):
            w = w.removesuffix("'s").removesuffix("'")
            words.extend([w] if self.knows(w) or "-" not in w else w.split("-"))
        used: set[int] = set()
        groups: list[tuple[int, str, tuple[str, ...]]] = []
        for n in _PHRASE_WORDS:
            for i in range(len(words) - n + 1):
                phrase = "_".join(words[i:i + n])
                # only a phrase WordNet holds as written: read through morphy too ("computer
                # sciences" as "computer science"), phrases moved one XQuAD English dev question
                # out of the top 5 and none into first place
                thai = self.thai(phrase) if self.knows(phrase) and not used & set(range(i, i + n)) else ()
                if thai:
                    groups.append((i, phrase, thai))
                    used |= set(range(i, i + n))
        for i, w in enumerate(words):
            if i in used or w in _SKIP or len(w) < 3:
                continue
            thai = self.thai(w)
            if thai:
                groups.append((i, w, thai))
        return [(w, t) for _, w, t in sorted(groups)]


def build(wordnet_dir: Path, thai_db: Path) -> dict:
    """The shipped file's content, from WordNet 3.0's ``index.*`` and ``*.exc`` files and the
    Thai WordNet's synset -> Thai word table (synsets named ``<offset>-<pos>``, as in
    WordNet 3.0's data files; satellite adjectives under ``a``)."""
    thai: dict[str, list[str]] = {}
    with sqlite3.connect(thai_db) as db:
        for synset, word in db.execute("SELECT synsetid, li FROM word_synset ORDER BY rowid"):
            if is_thai(word) and "|" not in word and word not in thai.setdefault(synset, []):
                thai[synset].append(word)
    words: dict[str, dict[str, str]] = {pos: {} for _, pos in _POS}
    for name, pos in _POS:
        for line in (wordnet_dir / f"index.{name}").read_text(encoding="utf-8").splitlines():
            if not line or line.startswith(" "):  # the licence header
                continue
            f = line.split()
            n_senses, n_pointers = int(f[2]), int(f[3])
            offsets = f[6 + n_pointers:]
            if len(offsets) != n_senses:
                raise ValueError(f"unexpected WordNet index line: {line[:80]}")
            for rank, offset in enumerate(offsets):
                found = thai.get(f"{offset}-{pos}")
                if found:
                    words[pos][f[0]] = "|".join([str(rank), *found])
                    break
    inflections: dict[str, dict[str, str]] = {}
    for name, pos in _POS:
        for line in (wordnet_dir / f"{name}.exc").read_text(encoding="utf-8").splitlines():
            form, base = line.split()[:2]
            if base in words[pos]:
                inflections.setdefault(pos, {}).setdefault(form, base)
    return {"source": "Princeton WordNet 3.0 + Thai WordNet (NICT), first sense with Thai words",
            "words": {pos: dict(sorted(held.items())) for pos, held in words.items()}, "inflections": {pos: dict(sorted(forms.items())) for pos, forms in inflections.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the English -> Thai dictionary rag.search uses for English questions.")
    ap.add_argument("--wordnet", type=Path, required=True,
                    help="WordNet 3.0 'dict' folder (index.noun, noun.exc, ...), e.g. from WNdb-3.0.tar.gz")
    ap.add_argument("--thai", type=Path, default=None, help="Thai WordNet sqlite file (default: PyThaiNLP's wordnet_th.db)")
    ap.add_argument("--out", type=Path, default=DATA)
    args = ap.parse_args(argv)
    if args.thai is None:
        from pythainlp.corpus import corpus_path
        args.thai = Path(corpus_path()) / "wordnet_th.db"
    data = build(args.wordnet, args.thai)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    args.out.write_bytes(gzip.compress(blob, compresslevel=9, mtime=0))
    print(f"{args.out}: {len(set().union(*data['words'].values()))} words, {sum(map(len, data['inflections'].values()))} irregular forms, "
          f"{args.out.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
