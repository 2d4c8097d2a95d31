"""Thin launcher for the chat: `python ui/app.py`, or `gradio ui/app.py` for live reload.

The app itself lives in the package (rag.chat) so `rag serve` and this launcher share it.
The index is $RAG_INDEX or ./index (build it first with `rag ingest`); the address is
127.0.0.1:7860 unless $RAG_HOST / $RAG_PORT say otherwise, and $RAG_AUTH=user:password asks
for a login.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from rag.api import Assistant, resolve_index  # noqa: E402
from rag.app.chat import build_app, serve  # noqa: E402

if __name__ == "__main__":
    # the same path as `rag serve`: logging, the login, the warning for a non-local address
    serve(resolve_index(None), host=os.environ.get("RAG_HOST", "127.0.0.1"),
          port=int(os.environ.get("RAG_PORT", "7860")))
else:  # `gradio ui/app.py` (live reload) imports this module and serves `demo` itself
    demo = build_app(Assistant(resolve_index(None)))
