"""The question's words as the extract looks for them in the passages (rag.answer.extract):
its content words weighted by their rarity in the corpus, and for a question without Thai
each English word's Thai translations (rag.lexical.bilingual) and, for a name, the Thai
spellings that sound like it (rag.lexical.names), each form weighted on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rag.answer.words import contains, query_terms
from rag.lexical.names import spellings
from rag.lexical.tokenize import ENGLISH_STOPWORDS
from rag.thai.chars import is_thai

# Words that frame an English question rather than name what it is about ("What does X mean
# in the context of ...", "according to the article"): not looked for in the passages.
FRAMING = frozenset("""mean means meaning meant called call named name context according article paper text
document author refer refers referred describe described example examples kind kinds type types""".split())


@dataclass(frozen=True)
class Lexicon:
    """The question's words as the extract looks for them: each a set of alternative forms
    (a word, or an English word and its Thai translations) with a weight (its rarity), and,
    for a translated question, each form's own weight (``form_weights``): a common Thai word
    among an English word's translations (ตัว for "bodies") counts as little as it tells."""

    groups: tuple[tuple[float, tuple[str, ...]], ...] = ()
    form_weights: tuple[tuple[float, ...], ...] = ()

    def holds(self, text: str) -> list[float]:
        """For each word, how much of it ``text`` holds, 0 to 1 (its rarest form found, against
        its group's weight)."""
        if not self.form_weights:
            return [float(any(_found(text, f) for f in forms)) for _, forms in self.groups]
        out = []
        for (w, forms), weights in zip(self.groups, self.form_weights, strict=True):
            found = [fw for f, fw in zip(forms, weights, strict=True) if _found(text, f)]
            out.append(min(1.0, max(found) / w) if found and w > 0 else 0.0)
        return out

    def share(self, held: Sequence[float]) -> float:
        total = sum(w for w, _ in self.groups)
        return sum(w * h for (w, _), h in zip(self.groups, held, strict=True)) / total if total > 0 else 0.0

    def forms(self) -> tuple[str, ...]:
        return tuple(f for _, forms in self.groups for f in forms)

    def strip(self, text: str) -> str:
        """``text`` without the question's own words (what it holds besides them)."""
        for _, forms in self.groups:
            for f in forms:
                text = re.sub(re.escape(f), " ", text, flags=re.IGNORECASE) if len(f) > 1 else text
        return text


def _found(text: str, form: str) -> bool:
    return form in text if is_thai(form) else contains(text, form)


def question_lexicon(query: str, rarity: Callable[[Sequence[str]], float] | None = None,
                     translate: Callable[[str], list[tuple[str, tuple[str, ...]]]] | None = None,
                     sounds: dict[str, tuple[str, ...]] | None = None) -> Lexicon:
    """The question's content words (numbers included), each weighted by ``rarity`` (the
    highest idf of its forms in the corpus; 1 without one); for a question without Thai, each
    English word with its Thai translations (``translate``) and, for a name, the Thai
    spellings that sound like it (``sounds``, by lower-cased word: ``spoken_names``) as
    alternative forms, each weighted on its own."""
    sounds = {k.lower(): v for k, v in (sounds or {}).items()}
    terms = [t.removesuffix("'s").removesuffix("’s") for t in query_terms(query)]
    terms = [t for t in dict.fromkeys(terms) if t not in FRAMING]
    weigh = rarity or (lambda forms: 1.0)
    groups: list[tuple[float, tuple[str, ...]]] = []
    if is_thai(query) or translate is None:
        groups = [(weigh(forms), forms) for forms in ((t, *sounds.get(t, ())) for t in terms)]
    else:
        translated = {w: thai for w, thai in translate(query) if thai}
        done: set[str] = set()
        for word, thai in translated.items():
            if word in FRAMING:
                continue
            forms = (word.replace("_", " "), *thai, *sounds.get(word, ()))
            groups.append((weigh(forms), forms))
            done.update(word.split("_"))
        groups += [(weigh(forms), forms) for forms in ((t, *sounds.get(t, ())) for t in terms if t not in done)]
    kept = tuple((w, f) for w, f in groups if w > 0)
    if rarity is not None and translate is not None and not is_thai(query) and kept:
        return Lexicon(groups=kept, form_weights=tuple(tuple(weigh((x,)) for x in f) for _, f in kept))
    return Lexicon(groups=kept)


_NAME = re.compile(r"(?<![^\W_])[A-Z][^\W\d_]*(?:[-'’][^\W\d_]+)*")


def spoken_names(query: str, texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The names of a question without Thai (its capitalised words but stop words) with the
    Thai stretches of ``texts`` (the passages the extract quotes) that sound like them (rag.lexical.names), by
    lower-cased word: Thai writes a foreign name as it sounds, and few names are in the
    dictionary. A hyphenated name gets what each of its parts finds."""
    if is_thai(query):
        return {}
    names = [m.group() for m in _NAME.finditer(query) if m.group().lower() not in ENGLISH_STOPWORDS]
    parts = {n: [p for p in re.split(r"[-'’]", n) if p] for n in names}
    found = spellings({p for ps in parts.values() for p in ps}, texts)
    out = {n.lower(): tuple(dict.fromkeys(f for p in ps for f in found.get(p, ()))) for n, ps in parts.items()}
    return {n: f for n, f in out.items() if f}


__all__ = ["FRAMING", "Lexicon", "question_lexicon", "spoken_names"]
