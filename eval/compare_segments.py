"""Does an index with segments answer as the same index written whole? Top-10 per search mode.

    python eval/compare_segments.py SEGMENTED WHOLE [--exact] [--doc DOC.txt]

WHOLE is a copy of SEGMENTED after `rag compact`. Questions: the first 40 iApp and 20 XQuAD-th
dev questions (../shared/bench) and ten lines of DOC (the document the update added). With
``--exact`` both sides search the chunk vectors exactly (no FAISS index): the compaction trains
a new IVF index, whose approximate neighbours differ from the base's old one as any two IVF
trainings do. Prints one line per mode and writes eval/results/segments_same.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.config import apply_thread_policy

apply_thread_policy()

from rag.search.searcher import Searcher  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"


def questions(doc: Path | None) -> list[str]:
    qs: list[str] = []
    for name, n in (("iapp_wiki_qa", 40), ("xquad_th", 20)):
        with (BENCH / name / "queries_dev.jsonl").open(encoding="utf-8") as f:
            qs += [json.loads(line)["question"] for _, line in zip(range(n), f, strict=False)]
    if doc is not None:
        qs += [line[:60] for line in doc.read_text(encoding="utf-8").splitlines() if len(line) > 80][:10]
    return qs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("segmented", type=Path)
    ap.add_argument("whole", type=Path)
    ap.add_argument("--exact", action="store_true", help="exact dense search on both sides")
    ap.add_argument("--doc", type=Path, help="the document the update added (questions from its lines)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "segments_same.json")
    args = ap.parse_args(argv)
    qs = questions(args.doc)
    a, b = Searcher(args.segmented), Searcher(args.whole)
    if args.exact:
        for reader in (*(p.reader for p in getattr(a.index, "parts", [])), a.index, b.index):
            reader.ann = None
    out = {"segmented": str(args.segmented), "whole": str(args.whole), "exact": args.exact, "questions": len(qs),
           "chunks": a.manifest["n_chunks"], "modes": {}}
    for mode in ("hybrid", "bm25", "dense"):
        same = first = overlap = 0
        worst = 0.0
        for q in qs:
            ra, rb = a.search(q, k=10, mode=mode).hits, b.search(q, k=10, mode=mode).hits
            ia, ib = [h.chunk_id for h in ra], [h.chunk_id for h in rb]
            same += ia == ib
            first += ia[:1] == ib[:1]
            overlap += len(set(ia) & set(ib))
            sb = {h.chunk_id: h.score for h in rb}
            worst = max([worst, *(abs(h.score - sb[h.chunk_id]) / max(1e-9, abs(sb[h.chunk_id]))
                                  for h in ra if h.chunk_id in sb)])
        out["modes"][mode] = {"identical_top10": same, "same_first": first, "overlap_at_10": round(overlap / len(qs), 3),
                              "max_relative_score_difference": round(worst, 6)}
        print(f"{mode}: identical top-10 {same}/{len(qs)}, same first {first}/{len(qs)}, "
              f"overlap {overlap / len(qs):.2f}/10, max relative score difference {worst:.6f}")
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
