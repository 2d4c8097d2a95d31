"""The embedded index against Milvus Lite: the same retrieval, side by side, and Milvus Lite at scale.

    python eval/bench_stores.py [--shared ../shared] [--out eval/out] [--save eval/results]
                                [--sets seed,xquad,iapp] [--scale 10000,100000] [--index-xquad DIR ...]

Part 1, the dev sets: each set's embedded index (built with ``rag ingest`` into
``<out>/idx-<set>`` unless ``--index-<set> DIR`` names one, which is copied, never changed) is
copied into Milvus Lite with ``rag ingest --from`` (vectors reused), and every question is
answered in one process by both stores (hybrid, k = 10), scored by the shared scorer
(``tools/score_search.py``). Latency: ``took`` (the whole search) and its retrieval part
(``took - embed``), p50 over the questions: each question goes to one store then the other (the
same machine load for both), in two passes: the first (query encoding, and for Milvus the
candidates' rows fetched, included), then a warm one (both cached).

Part 2, scale: 50-chunk documents made of the largest set's chunks, again and again (vectors
slightly perturbed, so the dense search is not degenerate), into one Milvus Lite store, up to
each ``--scale`` size: the time to add (and to remove) one 50-chunk document at each size
(embedding excluded), and the retrieval part of 200 dev questions there (a first pass, the
rows fetched, then a warm one).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rag.config import apply_thread_policy

apply_thread_policy()  # before numpy loads: the CLI's thread settings, so timings match `rag`

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "eval"))

from bench_retrieval import ensure_index, sets  # noqa: E402


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def run_queries(searcher, queries: list[dict], path: Path, k: int = 10) -> dict[str, float]:
    took, retrieval = [], []
    with path.open("w", encoding="utf-8") as f:
        for q in queries:
            r = searcher.search(q["question"], k=k, mode="hybrid")
            took.append(r.took_ms)
            retrieval.append(r.took_ms - r.embed_ms)
            f.write(json.dumps({"qid": q.get("qid") or q.get("id"), "hits": [h.to_dict() for h in r.hits]},
                               ensure_ascii=False) + "\n")
    return {"retrieval_p50_ms": round(pct(retrieval, 50), 2), "retrieval_p95_ms": round(pct(retrieval, 95), 2)}


def side_by_side(searchers: dict, queries: list[dict], out: Path, name: str, k: int = 10) -> dict[str, dict]:
    """Every question through every searcher in turn (the same machine load for each), twice:
    a first pass (query encoding and, for Milvus, fetching the candidates' rows included) and
    a second (both cached: the retrieval part on a warm store)."""
    runs: dict[str, dict] = {label: {"took": [], "first": [], "warm": [], "top5": {}, "rows": []} for label in searchers}
    for rnd in ("first", "warm"):
        for q in queries:
            qid = q.get("qid") or q.get("id")
            for label, searcher in searchers.items():
                r = searcher.search(q["question"], k=k, mode="hybrid")
                run = runs[label]
                run[rnd].append(r.took_ms - r.embed_ms)
                if rnd == "first":
                    run["took"].append(r.took_ms)
                    run["top5"][qid] = [h.chunk_id for h in r.hits[:5]]
                    run["rows"].append({"qid": qid, "hits": [h.to_dict() for h in r.hits]})
    out_rows = {}
    for label, run in runs.items():
        path = out / f"stores-{name}-{label}.jsonl"
        path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in run["rows"]), encoding="utf-8")
        out_rows[label] = {"path": path, "top5": run["top5"], "took_p50_ms": round(pct(run["took"], 50), 2),
                           "retrieval_first_p50_ms": round(pct(run["first"], 50), 2),
                           "retrieval_p50_ms": round(pct(run["warm"], 50), 2),
                           "retrieval_p95_ms": round(pct(run["warm"], 95), 2)}
    return out_rows


def score(scorer: Path, queries: Path, results: Path) -> dict:
    out = subprocess.run([sys.executable, str(scorer), str(queries), str(results)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def compare(name: str, files: dict[str, Path], index_dir: Path, out: Path, scorer: Path) -> dict:
    from rag.embed import CachedEmbedder
    from rag.index.stores import open_store
    from rag.ingest import copy_index
    from rag.search import Searcher

    uri = f"milvus://{out.absolute()}/milvus-{name}.db"
    t0 = time.perf_counter()
    copy_index(index_dir, uri, rebuild=True)
    copy_s = time.perf_counter() - t0
    queries = [json.loads(line) for line in files["queries"].open(encoding="utf-8") if line.strip()]
    embedded = Searcher(index_dir)
    t0 = time.perf_counter()
    milvus = Searcher(uri, embedder=CachedEmbedder(embedded.embedder.inner))  # the model shared, not the cache
    open_s = time.perf_counter() - t0
    row: dict = {"chunks": int(embedded.manifest["n_chunks"]), "documents": len(embedded.documents),
                 "questions": len(queries), "milvus_copy_s": round(copy_s, 1), "milvus_open_s": round(open_s, 2)}
    runs = side_by_side({"embedded": embedded, "milvus": milvus}, queries, out, name)
    for label, run in runs.items():
        run["scores"] = score(scorer, files["queries"], run.pop("path"))
        row[label] = run
    a, b = row["embedded"].pop("top5"), row["milvus"].pop("top5")
    row["same_top5"] = sum(a[q] == b[q] for q in a)
    milvus.index.close()
    open_store(uri).close()
    return row


def scale(base: Path, sizes: list[int], out: Path, queries: list[dict]) -> list[dict]:
    """Milvus Lite filled with 50-chunk documents made of ``base``'s chunks up to each size."""
    from rag.index.read import load_index_data
    from rag.index.store import Settings
    from rag.index.stores import open_store
    from rag.search import Searcher

    data = load_index_data(base)
    settings = Settings(data.model, data.chunking, data.lexical, data.latent_head)
    rng = np.random.default_rng(0)
    uri = f"milvus://{out.absolute()}/milvus-scale.db"
    store = open_store(uri)
    with store.update(rebuild=True):
        pass
    n, made, rows = 0, 0, []
    for size in sizes:
        t0 = time.perf_counter()
        while n < size:
            batch = []
            while n < size and len(batch) < 20:
                batch.append(synthetic(data, f"doc{made:06d}", made * 50, rng))
                n += 50
                made += 1
            with store.update() as up:
                up.put(settings, batch)
        fill_s = time.perf_counter() - t0
        adds, removes = [], []
        for i in range(3):
            doc = synthetic(data, f"probe{size}-{i}", (made + i) * 50, rng)
            t0 = time.perf_counter()
            with store.update() as up:
                up.put(settings, [doc])
            adds.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with store.update() as up:
                up.remove(doc.info.doc_id)
            removes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        searcher = Searcher(uri)
        open_s = time.perf_counter() - t0
        sample = queries[:200]
        first = run_queries(searcher, sample, out / f"stores-scale-{size}.jsonl")
        res = run_queries(searcher, sample, out / f"stores-scale-{size}.jsonl")
        searcher.index.close()
        rows.append({"chunks": n, "documents": made, "fill_s": round(fill_s, 1),
                     "add50_s": round(float(np.median(adds)), 3), "remove50_s": round(float(np.median(removes)), 3),
                     "open_s": round(open_s, 1), "retrieval_first_p50_ms": first["retrieval_p50_ms"],
                     "retrieval_p50_ms": res["retrieval_p50_ms"], "retrieval_p95_ms": res["retrieval_p95_ms"],
                     "questions": len(sample), "db_mb": round(_size(Path(uri[len('milvus://'):])) / 2**20)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    store.close()
    return rows


def synthetic(data, doc_id: str, start: int, rng):
    """A 50-chunk document of ``data``'s chunks from ``start`` on (cyclically), as new chunks
    of a new document, their vectors nudged (and normalised again) so no two are the same."""
    from rag.embed.latent import Codes
    from rag.index.format import DocumentInfo
    from rag.index.store import NewDocument

    take = [(start + j) % len(data.chunks) for j in range(50)]
    units, counts = data.unit_slices(take)

    def nudge(v: np.ndarray) -> np.ndarray:
        if not len(v):
            return v
        v = v + rng.normal(0, 0.02, v.shape).astype(np.float32)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)

    chunks = [type(data.chunks[i])(**{**data.chunks[i].__dict__, "doc_id": doc_id, "chunk_id": f"{doc_id}#{j:04d}",
                                      "footnotes": [], "markers": []}) for j, i in enumerate(take)]
    return NewDocument(
        info=DocumentInfo(doc_id=doc_id, title=doc_id, source="synthetic", sha256=doc_id, kind="jsonl", n_chunks=50),
        chunks=chunks, references={}, tokens=[data.tokens[i] for i in take],
        vectors=nudge(np.asarray(data.vectors[take], np.float32)),
        units=nudge(np.concatenate([np.zeros((0, data.vectors.shape[1]), np.float32), *units])), unit_counts=counts,
        window_counts=data.window_counts(take), latent=Codes.from_rows(data.latent.rows(take)))


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def render(table: dict, scale_rows: list[dict]) -> str:
    lines = ["| set | lang | n | embedded R@1 / R@5 | Milvus Lite R@1 / R@5 | same top-5 | "
             "took p50 ms (emb / Milvus) | retrieval p50 ms, first pass (emb / Milvus) | "
             "retrieval p50 / p95 ms, warm (emb / Milvus) |",
             "|---|---|---:|---|---|---:|---|---|---|"]
    for name, row in table.items():
        e, m = row["embedded"], row["milvus"]
        for lang in ("all", "th", "en"):
            se, sm = e["scores"].get(lang), m["scores"].get(lang)
            if not se or (lang != "all" and se["n"] == e["scores"]["all"]["n"]):
                continue
            lines.append(f"| {name} | {lang} | {se['n']} | {se['R@1']:.3f} / {se['R@5']:.3f} | "
                         f"{sm['R@1']:.3f} / {sm['R@5']:.3f} | {row['same_top5']}/{row['questions']} | "
                         f"{e['took_p50_ms']:.1f} / {m['took_p50_ms']:.1f} | {e['retrieval_first_p50_ms']:.2f} / "
                         f"{m['retrieval_first_p50_ms']:.2f} | {e['retrieval_p50_ms']:.2f} / {e['retrieval_p95_ms']:.2f}, "
                         f"{m['retrieval_p50_ms']:.2f} / {m['retrieval_p95_ms']:.2f} |")
    if scale_rows:
        lines += ["", "| chunks | fill s | add 50-chunk doc s | remove it s | open s | retrieval p50 ms, first pass | "
                  "retrieval p50 / p95 ms, warm | questions | file MB |", "|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
        lines += [f"| {r['chunks']:,} | {r['fill_s']} | {r['add50_s']} | {r['remove50_s']} | {r['open_s']} | "
                  f"{r['retrieval_first_p50_ms']:.2f} | {r['retrieval_p50_ms']:.2f} / {r['retrieval_p95_ms']:.2f} | "
                  f"{r['questions']} | {r['db_mb']} |"
                  for r in scale_rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out")
    ap.add_argument("--sets", default="seed,xquad,iapp")
    ap.add_argument("--scale", default="", help="comma-separated chunk counts for the Milvus Lite scale run")
    ap.add_argument("--scale-only", action="store_true", help="skip part 1 (the sets only name the scale run's base)")
    ap.add_argument("--save", type=Path, metavar="DIR", help="also write stores.json and stores-tables.md there")
    for name in ("seed", "xquad", "iapp"):
        ap.add_argument(f"--index-{name}", type=Path, metavar="DIR", help=f"an embedded index of the {name} set to copy")
    args = ap.parse_args(argv)
    scorer = args.shared / "tools" / "score_search.py"
    if not scorer.exists():
        print(f"no scorer at {scorer}: nothing to benchmark", file=sys.stderr)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    table: dict = {}
    largest = None
    for name, files in sets(args.shared).items():
        if name not in args.sets.split(",") or not all(p.exists() for p in files.values()):
            continue
        given = getattr(args, f"index_{name}")
        index_dir = args.out / f"idx-{name}"
        if given is not None and not (index_dir / "manifest.json").exists():
            shutil.copytree(given, index_dir)
        index_dir = ensure_index(name, files["corpus"], args.out)
        if not args.scale_only:
            table[name] = compare(name, files, index_dir, args.out, scorer)
            print(json.dumps({name: table[name]}, ensure_ascii=False), file=sys.stderr, flush=True)
        largest = (index_dir, files["queries"])
    scale_rows = []
    if args.scale and largest:
        queries = [json.loads(line) for line in largest[1].open(encoding="utf-8") if line.strip()]
        scale_rows = scale(largest[0], [int(s) for s in args.scale.split(",")], args.out, queries)
    text = render(table, scale_rows)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        saved = args.save / "stores.json"
        if saved.exists():  # a run of one part keeps the other part's saved figures
            before = json.loads(saved.read_text(encoding="utf-8"))
            table = table or before.get("sets", {})
            scale_rows = scale_rows or before.get("scale", [])
            text = render(table, scale_rows)
        saved.write_text(json.dumps({"sets": table, "scale": scale_rows}, ensure_ascii=False, indent=1) + "\n",
                         encoding="utf-8")
        (args.save / "stores-tables.md").write_text(text, encoding="utf-8")  # eval/results/stores.md quotes them
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
