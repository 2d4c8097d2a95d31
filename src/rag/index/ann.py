"""The approximate dense index (FAISS) of a large corpus: when one is built, its settings, and
how it is written and opened.

Below ``ANN_THRESHOLD`` chunks there is no such file: the search scores every vector exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

# From this many chunks on, the dense side uses an approximate FAISS index instead of one exact
# inner product over every vector. Chosen from the scale curve (eval/results/scale.md, 2 cores):
# the exact pass costs ~0.1 us a chunk (p50 1.1 ms at 10k, 2.7 ms at 30k, 9.8 ms at 100k, 129 ms
# at 1M; 2-3x that on a busy machine), and with it a hybrid query's retrieval part reaches the
# 5 ms median budget at ~30k chunks (4.8 ms measured; 3.0 ms with IVF, recall@10 0.97). 20k
# leaves room for a busy machine; below it exact search is both exact and cheap.
ANN_THRESHOLD = 20_000
ANN_KIND = "ivf"  # "hnsw": ~10x faster queries, but 25-50 s per 100k chunks to build on 2 cores
# IVF: ~2 sqrt(n) k-means cells, IVF_NPROBE of them scanned per query. nprobe 64 keeps
# recall@10 >= 0.96 from 10k to 1M chunks (0.99 at 1M, 11 ms); 32 drops to 0.93 at 30k.
IVF_LISTS_PER_SQRT = 2.0
IVF_NPROBE = 64
IVF_TRAIN_PER_LIST = 64  # k-means sample per cell: 47 s to train and fill 1M on 2 cores
IVF_TRAIN_ITERATIONS = 10
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
APPROXIMATE_KINDS = ("hnsw", "ivf")  # the manifest's dense kinds that have a FAISS file


def build_dense(vectors: np.ndarray, path: Path) -> str:
    """Write the approximate index when the corpus is large (``ANN_THRESHOLD``); exact search
    needs no file. Returns the kind the manifest records: "flat", "ivf" or "hnsw".

    IVF (inverted lists over k-means cells, vectors kept exact inside a cell) is the default:
    on 2 cores it trains and fills 1M vectors in 40 s to 4 min (quiet or busy machine) where
    HNSW took 25-50 s per 100k, and scanning ``IVF_NPROBE`` cells keeps recall@10 >= 0.96 at
    1-11 ms (eval/results/scale.md). The search settings (nprobe, efSearch) are stored inside
    the FAISS file, so an index is searched with the settings it was built with.
    """
    if len(vectors) < ANN_THRESHOLD:
        return "flat"
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = x.shape
    if ANN_KIND == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        index.add(x)
        faiss.write_index(index, str(path))
        return "hnsw"
    # about 2 sqrt(n) cells: a query scans nprobe cells of ~sqrt(n)/2 vectors, so its cost grows
    # with sqrt(n) while k-means on n_lists * IVF_TRAIN_PER_LIST samples stays under a minute
    n_lists = max(1, min(n // IVF_TRAIN_PER_LIST, int(round(IVF_LISTS_PER_SQRT * np.sqrt(n)))))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, n_lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.spherical = True  # unit-length centroids: cells by angle, as the vectors are compared
    index.cp.niter = IVF_TRAIN_ITERATIONS
    index.cp.max_points_per_centroid = IVF_TRAIN_PER_LIST  # faiss samples (seeded) down to this
    index.train(x)
    index.add(x)
    index.nprobe = min(IVF_NPROBE, n_lists)
    faiss.write_index(index, str(path))
    return "ivf"


def dense_meta(kind: str, dim: int | None) -> dict[str, Any]:
    """The manifest's ``dense`` entry for an index of ``kind`` over ``dim``-d vectors."""
    return {"kind": kind, "dim": dim, "hnsw_m": HNSW_M, "ef_search": HNSW_EF_SEARCH}


def open_dense(path: Path, meta: dict[str, Any]) -> Any | None:
    """The FAISS index the manifest's ``dense`` entry names (None: exact search, no file).

    nprobe / efSearch come from the file: an index is searched as it was built (an HNSW
    index's efSearch as the manifest records it).

    The file is memory-mapped, not read (FAISS's zero-copy ``IO_FLAG_MMAP_IFC``, where the
    installed FAISS has it): a query reads the cells it scans, the same bytes with the same
    results, and opening a 1M-chunk IVF index (1.5 GB) no longer reads and copies all of it
    (docs/performance.md); processes that open one index share its pages."""
    if meta["kind"] not in APPROXIMATE_KINDS:
        return None
    import faiss

    index = faiss.read_index(str(path), getattr(faiss, "IO_FLAG_MMAP_IFC", 0))
    if meta["kind"] == "hnsw":
        index.hnsw.efSearch = int(meta.get("ef_search", HNSW_EF_SEARCH))
    return index
