"""Probe (not part of search yet): would BM25 over character trigrams help Thai questions?

    python eval/probe_char_trigrams.py xquad|iapp   # needs eval/out/idx-<set> (bench_retrieval.py)

For each Thai dev question it takes the production hybrid's dense scores (chunk vector mixed
with its best sentence) and word-BM25 scores, adds a third list, bm25s over the chunks'
lower-cased character trigrams, and prints R@1 (gold passage first) for a grid of word-BM25
weight (rows) x trigram weight (columns), each mixed in with rag.search.fuse. Trigrams need no
word segmentation, so they still match where newmm cuts a name or a compound differently in
the question and the passage. Measured 2026-12-02 (dev): XQuAD Thai 0.932 (production: words
0.3, no trigrams) -> 0.949 (words 0, trigrams 0.3); iApp 0.942 -> 0.950.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import bm25s
import numpy as np

from rag.lexical import tokenize_query
from rag.search import Searcher, clean_query, fuse, is_thai

ROOT = Path(__file__).resolve().parents[1]
QUERIES = {"xquad": "bench/xquad_th/queries_dev.jsonl", "iapp": "bench/iapp_wiki_qa/queries_dev.jsonl"}


def grams(text: str, n: int = 3) -> list[str]:
    text = re.sub(r"\s+", " ", text.lower())
    return [text[i : i + n] for i in range(len(text) - n + 1)]


def main(name: str) -> int:
    s = Searcher(ROOT / "eval" / "out" / f"idx-{name}")
    texts = [c.text for c in s.chunks]
    docs = [c.doc_id for c in s.chunks]
    tri = bm25s.BM25()
    tri.index([grams(t) for t in texts], show_progress=False)
    vocab = tri.vocab_dict
    path = ROOT.parent / "shared" / QUERIES[name]
    questions = [q for q in map(json.loads, path.open(encoding="utf-8")) if is_thai(q["question"])]
    rows = []
    for q in questions:
        text = clean_query(q["question"])[0]
        qvec = s.embedder.encode_queries([text])[0]
        dense = s._dense(qvec, 50, None)
        words = s._bm25(tokenize_query(text, s.engine), 50, None)
        dense = s._rescore(sorted(set(dense) | set(words)), qvec)
        ids = [vocab[g] for g in grams(text) if g in vocab]
        scores = tri.get_scores(ids) if ids else np.zeros(len(texts))
        trigram = {int(i): float(scores[i]) for i in np.argsort(-scores)[:50] if scores[i] > 0}
        rows.append((q["gold"], dense, words, trigram))

    def r1(w_words: float, w_tri: float) -> float:
        hits = 0
        for gold, dense, words, trigram in rows:
            fused = fuse(dense, words, w_words)
            if w_tri:
                fused = fuse(fused, trigram, w_tri)
            hits += docs[min(fused.items(), key=lambda kv: (-kv[1], kv[0]))[0]] in gold
        return hits / len(rows)

    print(f"{name}: {len(rows)} Thai questions; rows: word-BM25 weight, columns: trigram weight")
    for w_words in (0.0, 0.1, 0.2, 0.3, 0.4):
        print(w_words, " ".join(f"{w_tri}:{r1(w_words, w_tri):.3f}" for w_tri in (0, 0.1, 0.2, 0.3, 0.4, 0.5)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "xquad"))
