"""Which line goes on in which: a character model of the document's own lines.

pdfminer.six sets every text line off alike, whether it wrote a two-column page's lines one
from each column in turn or a column at a time (it does both, by how its box grouping falls on
the page), so nothing in its layout says which. The text does: a line goes on in the line that
continues it. A character n-gram model counted on the document's own lines, each line alone
(no count crosses a line break, so no reading is favoured by what was counted), says how much
the end of one line helps to predict the start of the next; of two readings of a page, the one
whose lines are better predicted so is the page's, unless the document as a whole leans the
other way by more (a page decides by its own few dozen line breaks, the document by all of
them).

Written here rather than taken from a library: it is a few dozen lines of counts over one
document (interpolated Witten-Bell, the textbook smoothing that needs no held-out data), and
NLTK's `lm` would be a new dependency that is slow per query, KenLM one with binaries to build.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Characters of history: five-grams, enough to span a Thai syllable and the start of the next.
ORDER = 5


@dataclass
class CharModel:
    """Counts of each character after each history of up to ORDER - 1 characters."""

    after: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @classmethod
    def counted(cls, lines: Iterable[str]) -> CharModel:
        """The counts of `lines`, each alone: a line's first characters are counted after the
        shorter histories that it holds, never after the line before it."""
        model = cls()
        for line in lines:
            for i, ch in enumerate(line):
                for n in range(min(ORDER - 1, i) + 1):
                    model.after[line[i - n:i]][ch] += 1
        return model

    def logp(self, history: str, ch: str) -> float:
        """log P(ch | history), interpolated from the empty history up (Witten-Bell): a history
        seen with many different characters after it leaves more to the shorter one."""
        p = 1.0 / (len(self.after.get("", ())) + 1)
        for n in range(min(ORDER - 1, len(history)) + 1):
            seen = self.after.get(history[len(history) - n:])
            if seen is None:
                break
            kinds = len(seen)
            p = (seen[ch] + kinds * p) / (seen.total() + kinds)
        return math.log(p)

    def gain(self, first: str, then: str) -> float:
        """How much better `then` opens read after `first` than read alone: the log-likelihood
        of its first characters with `first`'s end as their history, less without it. A Latin
        word breaks at a space (kept), a Thai line between words or syllables (none)."""
        first, then = first.rstrip(), then.lstrip()
        if first[-1:].isascii() and first[-1:].isalnum() and then[:1].isascii() and then[:1].isalnum():
            first += " "
        tail = first[-(ORDER - 1):]
        total = 0.0
        for j in range(min(ORDER - 1, len(then))):
            total += self.logp(tail + then[:j], then[j]) - self.logp(then[:j], then[j])
        return total

    def mean_gain(self, lines: Sequence[str]) -> float:
        """The gain of each line break of `lines`, on average (0 for one line or none)."""
        lines = [t for t in lines if t.strip()]
        if len(lines) < 2:
            return 0.0
        return sum(self.gain(a, b) for a, b in zip(lines, lines[1:], strict=False)) / (len(lines) - 1)

    def lean_to_turns(self, pages: Sequence[Sequence[str]]) -> float:
        """How much better, on average, each of the document's lines (each page's, in the order
        they came) reads onto the line two after it than onto the next: above 0 where two
        columns' lines came in turn, below where they came in order (or the text is one
        column's)."""
        along = in_turn = 0.0
        triples = 0
        for lines in pages:
            for i in range(len(lines) - 2):
                along += self.gain(lines[i], lines[i + 1])
                in_turn += self.gain(lines[i], lines[i + 2])
                triples += 1
        return (in_turn - along) / triples if triples else 0.0
