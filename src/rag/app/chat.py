"""The chat in the browser: a Gradio ChatInterface over one opened index.

The endpoint ``/chat`` takes the message (plus optional settings, all with defaults) and
returns the composed answer as one markdown string, so ``Client(url).predict(message,
api_name="/chat")`` works. The settings live in a sidebar: number of passages, search mode,
document and section filters, and example questions that fill the textbox. A second tab holds
the document library (rag.app.documents: uploads, the table, outlines, removal, and the
``/upload``, ``/documents``, ``/remove`` endpoints); after an upload or a removal the open
index is swapped under the chat (``Assistant.reload``) and the filters follow at once.

Offline by construction: analytics off, a theme with system fonts only (Gradio's default
theme pulls fonts from a CDN), no remote asset. Document text reaches the page only through
``answer.render_markdown``, which escapes it; the Chatbot sanitizes HTML on top, keeps no
custom tags and renders no LaTeX. Nothing here logs questions or document text.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag.answer import Answer, render_markdown
from rag.api import Assistant
from rag.app.documents import ALL, ChatControls, build_documents, count_line, doc_choices
from rag.app.library import Library, clean_after_crash
from rag.config import max_upload_mb
from rag.errors import RagError
from rag.generate import LLMSettings, stream_generate
from rag.search import MODES

__all__ = ["ALL", "build_app", "launch_options", "make_respond", "serve"]
EXAMPLES = [
    "จีนใช้ STAs อย่างไร",
    "How does China use STAs?",
    "แล้วญี่ปุ่นล่ะ",
    "การทูตเชิงเทคโนโลยีของสหรัฐอเมริกามีเป้าหมายอะไร",
    "What does the paper recommend for Thailand?",
    "and Japan?",
]
DEFAULT_K = 5
MAX_K = 10
# The stylesheet lives with the launcher in ui/ (the project is installed editable); without
# it the chat still works, with Gradio's own styles.
CSS_PATH = Path(__file__).with_name("chat.css")
# Search is CPU-bound (the query encoder uses every core): one answer at a time, the others
# wait in the queue, which shows users their place. A bounded queue refuses a flood quickly
# instead of building minutes of backlog.
CONCURRENCY = 1
QUEUE_SIZE = 64
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# A request that fails on a bug of ours: the user gets this line, the server log one line naming
# the exception and where it was raised (the traceback only at debug level: it may quote text).
FAILED = "⚠️ ขออภัย เกิดข้อผิดพลาดภายใน · Sorry, something went wrong answering this; the error was logged."
log = logging.getLogger(__name__)
THAI_FONTS = ["Sarabun", "Garuda", "Loma", "Laksaman", "Norasi", "Noto Sans Thai", "Tahoma", "sans-serif"]


def history_messages(history: list[Any] | None) -> list[str]:
    """The user's earlier messages, from Gradio's openai-style history."""
    out: list[str] = []
    for m in history or []:
        if not isinstance(m, dict) or m.get("role") != "user":
            continue
        content = m.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.extend(c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text")
    return out


def make_respond(assistant: Assistant) -> Callable[..., Any]:
    """The chat function: a message (and the sidebar's settings) in, the answer's markdown out.
    With an LLM configured it is a generator: the quoted answer at once, the generated one
    streamed above it as the model writes, then the checked version (rag.generate)."""

    def quoted(message: str, history: list[Any], k: float, mode: str, doc: str | None,
               section: str | None) -> Answer | str:
        try:
            return assistant.ask(
                message or "", k=max(1, min(MAX_K, int(k or DEFAULT_K))), mode=mode or "hybrid",
                doc=None if not doc or doc == ALL else doc,
                section=None if not section or section == ALL else section,
                history=history_messages(history), generated=False,
            )
        except RagError as e:
            return f"⚠️ {e}"
        except Exception as e:  # a bug of ours: logged, and never shown to the user as a traceback
            log.error("chat request failed: %s", _where(e))
            log.debug("chat request failed", exc_info=True)
            return FAILED

    def respond(message: str, history: list[Any], k: float = DEFAULT_K, mode: str = "hybrid",
                doc: str | None = ALL, section: str | None = ALL) -> str:
        answer = quoted(message, history, k, mode, doc, section)
        return answer if isinstance(answer, str) else render_markdown(answer)

    def respond_streaming(message: str, history: list[Any], k: float = DEFAULT_K, mode: str = "hybrid",
                          doc: str | None = ALL, section: str | None = ALL) -> Iterator[str]:
        answer = quoted(message, history, k, mode, doc, section)
        if isinstance(answer, str):
            yield answer
            return
        yield render_markdown(answer)
        llm = assistant.llm
        if llm is None or not answer.found:
            return
        draft = ""
        try:
            for piece in stream_generate(answer, llm, assistant.sentences, assistant.gate.view):
                draft += piece
                yield render_markdown(answer, draft=draft)
        except Exception as e:  # a bug of ours: the quoted answer stays
            log.error("chat generation failed: %s", _where(e))
            answer.generated = None
        yield render_markdown(answer)

    return respond if assistant.llm is None else respond_streaming


def _where(e: BaseException) -> str:
    """The exception's type and the innermost frame (file:line in function): no message, since
    an exception's text can hold the question or document text."""
    frames = traceback.extract_tb(e.__traceback__)
    if not frames:
        return type(e).__name__
    f = frames[-1]
    return f"{type(e).__name__} at {Path(f.filename).name}:{f.lineno} in {f.name}"


def setup_logging() -> None:
    """One line per event on stderr for the ``rag`` loggers (warnings and errors only)."""
    root = logging.getLogger("rag")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
        root.propagate = False


def build_app(assistant: Assistant, *, library: Library | None = None, read_only: bool = False) -> Any:
    """The Blocks app; launch it with ``launch_options()`` (Gradio 6 takes theme and CSS there).

    ``read_only``: the library is shown but takes no upload and no removal; otherwise
    ``library`` (made here if not given) runs them."""
    import gradio as gr

    if read_only:
        library = None
    elif library is None:
        library = Library(assistant)

    with gr.Blocks(title="ถาม-ตอบเอกสารนโยบาย · Policy paper Q&A", analytics_enabled=False,
                   fill_height=True) as app:
        with gr.Sidebar(open=True, label="Settings", elem_id="settings"):
            gr.Markdown("### ตั้งค่า · Settings")
            k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="จำนวนข้อความ · Passages", elem_id="k")
            mode = gr.Radio(list(MODES), value="hybrid", label="โหมดค้นหา · Search mode", elem_id="mode",
                            info="hybrid = dense + BM25")
            # custom values: the choices made here are the ones `/chat` checks against, and the
            # library changes them (an unknown document is answered with one line by the search)
            doc = gr.Dropdown(doc_choices(assistant.searcher.documents), value=ALL, label="เอกสาร · Document",
                              elem_id="doc", allow_custom_value=True)
            section = gr.Dropdown([ALL] + assistant.searcher.sections(), value=ALL, label="หัวข้อ · Section",
                                  elem_id="section", allow_custom_value=True)
            count = gr.Markdown(count_line(assistant), elem_id="doc-count")
            gr.Markdown("**ตัวอย่างคำถาม · Examples**")
            example_buttons = [gr.Button(q, size="sm", variant="secondary", elem_classes=["example-q"])
                               for q in EXAMPLES]

        def sections_for(doc_id: str | None):
            secs = assistant.searcher.sections(None if not doc_id or doc_id == ALL else doc_id)
            return gr.update(choices=[ALL] + secs, value=ALL)

        def filters():
            """The filters as the index now stands (a page opened after an upload elsewhere)."""
            assistant.refresh()
            docs = assistant.searcher.documents
            return (gr.update(choices=doc_choices(docs), value=ALL),
                    gr.update(choices=[ALL] + assistant.searcher.sections(), value=ALL), count_line(assistant))

        doc.change(sections_for, doc, section, api_visibility="undocumented", queue=False)
        app.load(filters, None, [doc, section, count], api_visibility="private", queue=False)
        gr.Markdown("# ถาม-ตอบเอกสารนโยบาย · Policy paper Q&A", elem_id="page-title")
        with gr.Tabs(elem_id="views"):
            with gr.Tab("ถาม-ตอบ · Chat", id="chat", elem_id="chat-tab", scale=1):
                chat_view(assistant, k, mode, doc, section, example_buttons)
            with gr.Tab("เอกสาร · Documents", id="documents", elem_id="documents-tab"):
                build_documents(assistant, library, ChatControls(doc=doc, section=section, count=count))
    app.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    return app


def chat_view(assistant: Assistant, k: Any, mode: Any, doc: Any, section: Any, example_buttons: list[Any]) -> None:
    """The chat itself, inside its tab: the answers, the question box, the example buttons."""
    import gradio as gr

    chatbot = gr.Chatbot(
        sanitize_html=True, render_markdown=True, allow_tags=False, latex_delimiters=[],
        feedback_options=None, buttons=["copy"], elem_id="answer-chat", label="ถาม-ตอบ · Q&A", show_label=False,
        placeholder="ถามเป็นภาษาไทยหรือภาษาอังกฤษ · Ask in Thai or English", scale=1,
    )
    textbox = gr.Textbox(placeholder="พิมพ์คำถาม · Type a question", show_label=False, lines=1,
                         max_lines=6, elem_id="question", submit_btn=True)
    gr.ChatInterface(
        make_respond(assistant),
        chatbot=chatbot,
        textbox=textbox,
        additional_inputs=[k, mode, doc, section],
        api_name="chat",
        description="คำตอบยกข้อความจากเอกสารพร้อมแหล่งอ้างอิง · Answers quote the documents, with their sources.",
        concurrency_limit=CONCURRENCY,
        autofocus=True,
        fill_height=True,
    )
    for btn, q in zip(example_buttons, EXAMPLES, strict=True):
        # filled in the browser: no round trip, no wait behind a busy queue
        btn.click(None, None, textbox, js=f"() => {json.dumps(q, ensure_ascii=False)}",
                  api_visibility="private", queue=False)


def launch_options() -> dict[str, Any]:
    """Theme, CSS and offline settings for ``app.launch`` (shared by `rag serve` and ui/app.py)."""
    import gradio as gr

    theme = gr.themes.Soft(font=THAI_FONTS, font_mono=["DejaVu Sans Mono", "monospace"])
    css = CSS_PATH.read_text(encoding="utf-8") if CSS_PATH.exists() else None
    return {"theme": theme, "css": css, "footer_links": [], "ssr_mode": False, "show_error": False,
            "share": False, "max_file_size": f"{max_upload_mb():g}mb"}


def auth_from_env() -> tuple[str, str] | None:
    """``RAG_AUTH=user:password`` turns the login on."""
    raw = os.environ.get("RAG_AUTH", "")
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise RagError("RAG_AUTH must look like user:password")
    return user, password


def serve(index_dir: Path | str, *, host: str = "127.0.0.1", port: int = 7860, model: str | None = None,
          block: bool = True, read_only: bool = False, llm: LLMSettings | None = None) -> Any:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    setup_logging()
    auth = auth_from_env()
    max_upload_mb()  # a malformed RAG_MAX_UPLOAD_MB fails here, in one line
    if host not in LOOPBACK and auth is None:
        print(f"warning: serving on {host} without a login: anyone who can reach port {port} can use it"
              f"{'' if read_only else ' and change its documents'}; set RAG_AUTH=user:password",
              file=sys.stderr, flush=True)
    if not isinstance(index_dir, Path) and not read_only:
        # the library's worker writes the embedded index; a Milvus store takes `rag ingest --store`
        print("note: the chat's uploads and removals work on the embedded index; this Milvus store is "
              "served read-only (add documents with rag ingest --store)", file=sys.stderr, flush=True)
        read_only = True
    assistant = Assistant(index_dir, model=model, llm=llm)
    if not read_only:  # a server killed during an upload may have left a half-built copy beside the index
        clean_after_crash(index_dir)
    app = build_app(assistant, read_only=read_only)
    shown = f"[{host}]" if ":" in host else host
    print(f"serving {index_dir} on http://{shown}:{port}" + (" (login required)" if auth else "")
          + (" (read-only)" if read_only else ""), file=sys.stderr, flush=True)
    try:
        app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block, quiet=True,
                   **launch_options())
    except OSError as e:
        raise RagError(f"cannot serve on {host}:{port}: {e.strerror or e}") from None
    return app
