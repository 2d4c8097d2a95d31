"""How the hybrid fusion was chosen: a grid of ``FusionWeights`` through the real searcher.

    python eval/tune_fusion.py [--out eval/out] [--shared ../shared] [--sets seed,xquad,iapp]

Uses the indexes that eval/bench_retrieval.py builds (``<out>/idx-<set>``) and runs every dev
question through ``rag.search.Searcher`` once per weight setting (query vectors are cached, so
a setting costs milliseconds a question), scoring R@1 / R@5 / MRR@10 per language with the
shared scorer's matching rules. Dev sets only: the chosen values are then fixed in
``rag.search.FusionWeights`` and checked on the same sets by eval/bench_retrieval.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TONE_VOWEL = re.compile("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37])")


def canon(s: str) -> str:
    """The shared scorer's matching rules (tools/score_search.py)."""
    s = "".join(s.split()).replace("\u0e33", "\u0e32").replace("\u0e4d", "")
    return TONE_VOWEL.sub(r"\2\1", s).lower()


def is_answered(q: dict, hit) -> bool:
    """One hit answers ``q``: a gold document, or a key phrase in its first 1,500 characters or
    in a reference it cites (the scorer's rules)."""
    if "gold" in q:
        return hit.doc_id in set(q["gold"])
    seen = canon(hit.text[:1500] + " " + " ".join(r.text for r in hit.footnotes))
    return any(canon(a) in seen for a in q["answers"])


def first_hit(q: dict, hits) -> int:
    """Rank (0-based) of the first answering hit, 99 when none of the ten does."""
    return next((i for i, h in enumerate(hits[:10]) if is_answered(q, h)), 99)


def summarise(firsts: list[int]) -> dict[str, float]:
    n = len(firsts) or 1
    return {"R@1": sum(f < 1 for f in firsts) / n, "R@5": sum(f < 5 for f in firsts) / n,
            "MRR": sum(1 / (f + 1) for f in firsts if f < 10) / n, "n": len(firsts)}


def query_file(name: str, shared: Path) -> Path:
    return {"seed": shared / "eval/qa_dev.jsonl", "xquad": shared / "bench/xquad_th/queries_dev.jsonl",
            "iapp": shared / "bench/iapp_wiki_qa/queries_dev.jsonl"}[name]


def main(argv: list[str] | None = None) -> int:
    from rag.config import apply_thread_policy

    apply_thread_policy()  # the CLI's thread settings, so timings match `rag`
    from rag import index as ix
    from rag.embed import CachedEmbedder, load_embedder_for
    from rag.search import FusionWeights, Searcher

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--sets", default="seed,xquad,iapp")
    ap.add_argument("--chunk-share", default="0.3,0.5,0.7,1.0")
    ap.add_argument("--bm25", default="0,0.1,0.2,0.3,0.4,0.5,0.6")
    ap.add_argument("--latent", default="0,0.1,0.2,0.3,0.4")
    ap.add_argument("--trigram", default="0,0.2,0.3,0.4,0.5")
    ap.add_argument("--window", default="0,0.2,0.3,0.35,0.4,0.5")
    ap.add_argument("--dictionary", default="0,0.15,0.2,0.25,0.3,0.4,0.5",
                    help="shares of the English -> Thai dictionary's trigram BM25 (questions without Thai script)")
    args = ap.parse_args(argv)
    shares = [float(x) for x in args.chunk_share.split(",")]
    bm25s_ = [float(x) for x in args.bm25.split(",")]
    latents = [float(x) for x in args.latent.split(",")]
    trigrams = [float(x) for x in args.trigram.split(",")]
    windows = [float(x) for x in args.window.split(",")]
    dictionaries = [float(x) for x in args.dictionary.split(",")]
    for name in args.sets.split(","):
        index_dir = args.out / f"idx-{name}"
        if not index_dir.exists() or not query_file(name, args.shared).exists():
            print(f"{name}: no index or no questions (run eval/bench_retrieval.py first)", file=sys.stderr)
            continue
        queries = [json.loads(x) for x in query_file(name, args.shared).open(encoding="utf-8") if x.strip()]
        stored = ix.read_manifest(index_dir)["model"]
        # a cache that holds every question, so each setting re-encodes nothing
        embedder = CachedEmbedder(load_embedder_for(stored["id"], stored["vector_space"]), maxsize=100_000)
        searcher = Searcher(index_dir, embedder=embedder)
        print(f"== {name}: {len(queries)} questions, {len(searcher.chunks)} chunks")
        langs = sorted({q.get("lang", "th") for q in queries})
        for share, win, w, latent, tri, dic in itertools.product(shares, windows, bm25s_, latents, trigrams, dictionaries):
            if share + win > 1 + 1e-9:
                continue
            # the same weight for both scripts: each language's row shows its own best
            searcher.weights = FusionWeights(chunk_share=share, window_share=win, bm25_thai=w, bm25_other=w, latent_thai=latent,
                                             latent_other=latent, trigram_thai=tri, trigram_other=tri,
                                             dictionary_other=dic)
            firsts: dict[str, list[int]] = {lang: [] for lang in langs}
            for q in queries:
                hits = searcher.search(q["question"], k=10, mode="hybrid").hits
                firsts[q.get("lang", "th")].append(first_hit(q, hits))
            row = [f"chunk_share {share:.2f} window {win:.2f} bm25 {w:.2f} latent {latent:.2f} trigram {tri:.2f} "
                   f"dictionary {dic:.2f}"]
            for lang in langs:
                m = summarise(firsts[lang])
                row.append(f"{lang} R@1 {m['R@1']:.3f} R@5 {m['R@5']:.3f} MRR {m['MRR']:.3f} (n={m['n']})")
            print("  ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
