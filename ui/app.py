"""Thin launcher for the chat: `python ui/app.py`, or `gradio ui/app.py` for live reload.

The app itself lives in the package (rag.chat) so `rag serve` and this launcher share it.
The index is $RAG_INDEX or ./index (build it first with `rag ingest`); the address is
127.0.0.1:7860 unless $RAG_HOST / $RAG_PORT say otherwise, and $RAG_AUTH=user:password asks
for a login.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from rag.api import Assistant, resolve_index  # noqa: E402
from rag.chat import auth_from_env, build_app, launch_options  # noqa: E402

demo = build_app(Assistant(resolve_index(None)))

if __name__ == "__main__":
    demo.launch(server_name=os.environ.get("RAG_HOST", "127.0.0.1"),
                server_port=int(os.environ.get("RAG_PORT", "7860")), auth=auth_from_env(), **launch_options())
