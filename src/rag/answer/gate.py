"""Whether the hits answer the question at all: the relevance gate.

When no passage is close enough to the question, the answer says that nothing relevant was
found instead of dressing weak matches up as an answer. Relevance is the mean of the best
cosine to a top passage (its stored vector) and the best cosine to one sentence of the top
passages: two views of the same evidence. multilingual-e5 cosines are compressed (off-topic
text still scores 0.74-0.82) and Thai questions over Thai text sit higher than English ones,
so the gate depends on the question's script (``gate_for``). An English question over Thai
text is close to the noise on cosine alone; the English glosses the passages carry ("(Ministry
of Commerce: MOFCOM)") give word evidence that off-topic questions lack, so with evidence its
gate stands lower. Thai questions share common words with any Thai text, so words prove
nothing there. The gates belong to the embedding model (``rag.embed.profiles``); each sits at
the midpoint between the lowest on-topic and the highest off-topic relevance that
eval/bench_answer.py measures on the shipped article (the report is in its docstring).

A question about the document as a whole ("What is this paper about?") has nothing else to
match and passes whatever its relevance (``about_document``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from rag.answer.extract import EXTRACT_PASSAGES, Encoder
from rag.answer.words import contains, content_terms
from rag.embed.profiles import Gate
from rag.lexical.tokenize import tokenize
from rag.search import Hit
from rag.thai.chars import is_thai

# Words that ask about the document as a whole rather than a topic in it: what it is, who
# wrote it, its parts (summary, conclusion, recommendations) and what it does (argues,
# proposes). "What is this paper about?" or "Summarize the conclusion" have nothing else to
# match, so their cosine to any one passage is low (0.77-0.81 for English ones on the article,
# under the gate) although the documents answer them by definition. A question made only of
# these words (and stop words) is answered whatever its relevance; one more word ("... about
# pad thai") puts it back under the gate.
DOCUMENT_WORDS = frozenset("""
paper papers article articles document documents report reports study studies essay text
author authors writer writers
summary summaries summarize summarise summarized overview gist abstract outline
conclusion conclusions conclude concludes recommendation recommendations recommend recommends
suggestion suggestions suggest suggests proposal proposals propose proposes argument arguments
argue argues claim claims finding findings takeaway takeaways thesis message
main key point points idea ideas purpose aim aims goal goals objective objectives topic topics
theme themes discuss discusses cover covers give
บทความ เอกสาร รายงาน งานวิจัย ผู้เขียน ผู้แต่ง สรุป ข้อสรุป บทสรุป สรุปว่า ข้อเสนอแนะ เสนอแนะ ข้อเสนอ
ประเด็น ประเด็นหลัก หลัก ใจความ ใจความสำคัญ สาระ สาระสำคัญ สำคัญ เนื้อหา ภาพรวม วัตถุประสงค์
จุดประสงค์ เป้าหมาย ข้อค้นพบ โต้แย้ง
""".split())


def gate_for(query: str, gates: Mapping[str, Gate]) -> Gate:
    """The gate for the query's script: ``"th"`` when it has Thai in it, else ``"other"``."""
    return gates["th" if is_thai(query) else "other"]


def relevance(hits: Sequence[Hit], qvec: np.ndarray | None, embedder: Encoder | None,
              sims: np.ndarray | None) -> float | None:
    """Mean of the best passage cosine (the search's own when it measured it) and the best
    sentence cosine (``sims``, over the extract's sentence pool); None when there is no query
    vector to measure with."""
    if not hits or qvec is None:
        return None
    measured = [h.similarity for h in hits if h.similarity is not None]
    if measured:
        passage = max(measured)
    elif embedder is not None:
        # same text as the stored vector (heading + text), so the gate means the same thing
        texts = [f"{h.section}\n{h.text}" if h.section else h.text for h in hits[:EXTRACT_PASSAGES]]
        passage = float(np.max(embedder.encode_passages(texts) @ qvec))
    else:
        return None
    if sims is None or not len(sims):
        return passage
    return (passage + float(sims.max())) / 2


def evidence(terms: list[str], hits: Sequence[Hit]) -> list[str]:
    """The question's content words (numbers aside) that the passages or their references hold."""
    words = [t for t in terms if not t.isdigit()]
    if not words or not hits:
        return []
    text = "\n".join(h.text + "\n" + "\n".join(r.text for r in h.footnotes) for h in hits)
    return [t for t in words if contains(text, t)]


def about_document(question: str) -> bool:
    """The question names the document or one of its parts and asks nothing else. (Its
    document words are looked for among all its tokens: "paper" is also a stop word.)"""
    tokens = tokenize(question)
    if not DOCUMENT_WORDS.intersection(tokens):
        return False
    return all(t in DOCUMENT_WORDS for t in content_terms(tokens))
