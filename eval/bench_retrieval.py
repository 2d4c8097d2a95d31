"""Retrieval benchmark: all three modes on the three dev sets, one table.

    python eval/bench_retrieval.py [--shared ../shared] [--out eval/out] [--k 10] [--json]

Sets: the seed article's questions (../shared/eval/qa_dev.jsonl over corpus/), XQuAD-th
(Thai and English questions over Thai paragraphs) and iApp Wiki QA. Each corpus is ingested
once into ``<out>/idx-<set>`` (rebuilt when the code's chunking or the model changes); every
query is answered one at a time in one process, and the results are scored by the shared
scorer (``tools/score_search.py``), the same script that scores the held-out halves. A set
whose files are absent is skipped (a user's clone has no ../shared).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = ("hybrid", "dense", "bm25")


def sets(shared: Path) -> dict[str, dict[str, Path]]:
    return {
        "seed": {"corpus": ROOT / "corpus" / "tech-diplomacy-th.txt", "queries": shared / "eval" / "qa_dev.jsonl"},
        "xquad": {"corpus": shared / "bench" / "xquad_th" / "corpus.jsonl",
                  "queries": shared / "bench" / "xquad_th" / "queries_dev.jsonl"},
        "iapp": {"corpus": shared / "bench" / "iapp_wiki_qa" / "corpus.jsonl",
                 "queries": shared / "bench" / "iapp_wiki_qa" / "queries_dev.jsonl"},
    }


def ensure_index(name: str, corpus: Path, out: Path) -> Path:
    from rag.errors import RagError
    from rag.ingest import ingest

    index_dir = out / f"idx-{name}"
    try:
        report = ingest([corpus], index_dir, progress=True)
    except RagError as e:  # settings or model changed since the cached index: rebuild
        print(f"{name}: {e}; rebuilding", file=sys.stderr)
        report = ingest([corpus], index_dir, progress=True, rebuild=True)
    print(f"{name}: {report.n_documents} documents, {report.n_chunks} chunks "
          f"({report.chunks_embedded} embedded)", file=sys.stderr)
    return index_dir


def run_queries(searcher, queries: list[dict], mode: str, k: int, path: Path) -> dict[str, float]:
    took, retrieval = [], []
    with path.open("w", encoding="utf-8") as f:
        for q in queries:
            qid = q.get("qid") or q.get("id")
            r = searcher.search(q["question"], k=k, mode=mode)
            took.append(r.took_ms)
            retrieval.append(r.took_ms - r.embed_ms)
            f.write(json.dumps({"qid": qid, "hits": [h.to_dict() for h in r.hits]}, ensure_ascii=False) + "\n")
    took.sort()
    retrieval.sort()
    return {"p50_ms": took[len(took) // 2], "retrieval_p50_ms": retrieval[len(retrieval) // 2]}


def score(scorer: Path, queries: Path, results: Path) -> dict:
    out = subprocess.run([sys.executable, str(scorer), str(queries), str(results)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    from rag.config import apply_thread_policy

    apply_thread_policy()  # the CLI's thread settings, so timings match `rag`
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--sets", default="seed,xquad,iapp")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--save", type=Path, metavar="DIR",
                    help="also write retrieval.json and retrieval.md there (eval/results is committed)")
    args = ap.parse_args(argv)

    from rag.search import Searcher

    scorer = args.shared / "tools" / "score_search.py"
    if not scorer.exists():
        print(f"no scorer at {scorer}: nothing to benchmark", file=sys.stderr)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    table: dict[str, dict[str, dict]] = {}
    for name, files in sets(args.shared).items():
        if name not in args.sets.split(","):
            continue
        if not all(p.exists() for p in files.values()):
            print(f"{name}: files absent, skipped", file=sys.stderr)
            continue
        index_dir = ensure_index(name, files["corpus"], args.out)
        searcher = Searcher(index_dir)
        queries = [json.loads(line) for line in files["queries"].open(encoding="utf-8") if line.strip()]
        table[name] = {}
        for mode in args.modes.split(","):
            t0 = time.perf_counter()
            res_path = args.out / f"results-{name}-{mode}.jsonl"
            timing = run_queries(searcher, queries, mode, args.k, res_path)
            scores = score(scorer, files["queries"], res_path)
            scores["timing"] = timing
            scores["seconds"] = round(time.perf_counter() - t0, 1)
            table[name][mode] = scores
    text = render(table)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        (args.save / "retrieval.json").write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n",
                                                  encoding="utf-8")
        (args.save / "retrieval.md").write_text(
            "# Retrieval on the dev sets\n\nWritten by `python eval/bench_retrieval.py --save eval/results` "
            "(scorer: ../shared/tools/score_search.py; k = 10; p50 latencies are per query in one process, "
            "encoding included / retrieval only).\n\n" + text, encoding="utf-8")
    print(json.dumps(table, ensure_ascii=False, indent=1) if args.json else text, end="")
    return 0


def render(table: dict[str, dict[str, dict]]) -> str:
    """One Markdown table: a row per set, mode and language."""
    lines = ["| set | mode | lang | n | R@1 | R@5 | R@10 | MRR@10 | FnR@5 | p50 ms | retrieval p50 ms |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, modes in table.items():
        for mode, scores in modes.items():
            for lang in ("all", "th", "en"):
                row = scores.get(lang)
                if not row or (lang != "all" and row["n"] == scores["all"]["n"]):
                    continue
                fn = f"{row['FnR@5']:.3f}" if "FnR@5" in row else "-"
                t = scores["timing"]
                lines.append(f"| {name} | {mode} | {lang} | {row['n']} | {row['R@1']:.3f} | {row['R@5']:.3f} | "
                             f"{row['R@10']:.3f} | {row['MRR@10']:.3f} | {fn} | {t['p50_ms']:.1f} | "
                             f"{t['retrieval_p50_ms']:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
