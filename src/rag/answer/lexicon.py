"""The question's words as the extract looks for them (``Lexicon``): its content words, each
weighted by its rarity in the corpus, and for a question without Thai each English word with
its Thai translations (rag.lexical.bilingual) as alternative forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.answer.words import contains, query_terms
from rag.thai.chars import is_thai

# Words that frame an English question rather than name what it is about ("What does X mean
# in the context of ...", "according to the article"): not looked for in the passages.
FRAMING = frozenset("""mean means meaning meant called call named name context according article paper text
document author refer refers referred describe described example examples kind kinds type types""".split())


@dataclass(frozen=True)
class Lexicon:
    """The question's words as the extract looks for them: each a set of alternative forms
    (a word, or an English word and its Thai translations) with a weight (its rarity)."""

    groups: tuple[tuple[float, tuple[str, ...]], ...] = ()

    def holds(self, text: str) -> list[bool]:
        return [any(_found(text, f) for f in forms) for _, forms in self.groups]

    def share(self, held: Sequence[bool]) -> float:
        total = sum(w for w, _ in self.groups)
        return sum(w for (w, _), h in zip(self.groups, held, strict=True) if h) / total if total > 0 else 0.0

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
                     translate: Callable[[str], list[tuple[str, tuple[str, ...]]]] | None = None) -> Lexicon:
    """The question's content words (numbers included), each weighted by ``rarity`` (the
    highest idf of its forms in the corpus; 1 without one); for a question without Thai, each
    English word with its Thai translations (``translate``) as alternative forms."""
    terms = [t.removesuffix("'s").removesuffix("’s") for t in query_terms(query)]
    terms = [t for t in dict.fromkeys(terms) if t not in FRAMING]
    weigh = rarity or (lambda forms: 1.0)
    groups: list[tuple[float, tuple[str, ...]]] = []
    if is_thai(query) or translate is None:
        groups = [(weigh((t,)), (t,)) for t in terms]
    else:
        translated = {w: thai for w, thai in translate(query) if thai}
        done: set[str] = set()
        for word, thai in translated.items():
            if word in FRAMING:
                continue
            forms = (word.replace("_", " "), *thai)
            groups.append((weigh(forms), forms))
            done.update(word.split("_"))
        groups += [(weigh((t,)), (t,)) for t in terms if t not in done]
    return Lexicon(groups=tuple((w, f) for w, f in groups if w > 0))


__all__ = ["FRAMING", "Lexicon", "question_lexicon"]
