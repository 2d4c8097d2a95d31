"""What a generated answer is once checked: its sentences with the citation check's verdicts
(rag.generate makes them; the answer carries and renders them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class GeneratedSentence:
    """One sentence of a generated answer, as the citation check judged it (rag.generate.check)."""

    text: str
    cites: list[int]  # passage numbers it cites
    supported: bool
    why: str = ""  # what failed: "no citation", "cites no such passage", "not in [n]", "2019 not in [n]"...
    similarity: float | None = None  # to the best sentence of the passages it cites


@dataclass
class GeneratedAnswer:
    """An LLM's answer over the passages, sentence by sentence with the check's verdicts.

    ``shown`` says whether enough of it held up to be shown (only its supported sentences are);
    otherwise the quoted extract stands alone. ``error`` is the one line saying why there is no
    generated answer (the server down, slow, or answering with something that is no answer)."""

    text: str
    sentences: list[GeneratedSentence]
    model: str
    shown: bool = False
    error: str | None = None
    took_ms: float = 0.0  # the model's time: the request to its last token
    check_ms: float = 0.0  # what the citation check adds after the last token

    @property
    def kept(self) -> list[GeneratedSentence]:
        return [s for s in self.sentences if s.supported]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "sentences": [{"text": s.text, "cites": list(s.cites), "supported": s.supported, "why": s.why,
                           "similarity": None if s.similarity is None else round(s.similarity, 4)}
                          for s in self.sentences],
            "model": self.model,
            "shown": self.shown,
            "error": self.error,
            "took_ms": round(self.took_ms, 2),
            "check_ms": round(self.check_ms, 2),
        }
