"""One upload or removal of the chat's library, in a process of its own.

The chat (``rag.app.library``) starts ``python -m rag.app.worker SPEC`` for each job, so an
ingest never holds the server's interpreter: it runs at a lower priority (``NICE``), so a
question asked meanwhile gets the cores first, and it dies with the server (Linux
PR_SET_PDEATHSIG). Whatever happens to it, the index is written as `rag ingest` writes it
(built beside the live one, swapped in whole), so a failed or killed job leaves the index as
it was. It talks to the chat in JSON lines on stdout: ``{"stage", "done", "total"}`` while it
runs, then ``{"report": ...}``, or ``{"error": one line, "code": exit code}``.

SPEC is a JSON object: ``{"action": "upload", "index", "path", "name", "title", "parent"}``
(``name``: the file's name as the user gave it, shown instead of the worker's copy) or
``{"action": "remove", "index", "doc_id", "parent"}``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from rag.config import apply_thread_policy
from rag.errors import RagError

# Niceness of the worker: CPU time goes to the server's questions first (weight 110 against
# 1024 under Linux's scheduler), to the ingest when the chat is idle.
NICE = 10
PR_SET_PDEATHSIG = 1

Emit = Callable[[dict[str, Any]], None]


def die_with_parent(parent: int | None) -> None:
    """Be killed when the server that started us dies, however it dies (Linux; elsewhere the
    job runs on to its end, which leaves a whole index too)."""
    if not parent:
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def protocol_stream() -> IO[str]:
    """Our own copy of stdout for the JSON lines; whatever else is written to stdout (a
    library's print, C code) goes to stderr, so it cannot break a line of ours."""
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", encoding="utf-8")


class _Collected(logging.Handler):
    """The ``rag`` loggers' warnings, for the report (this process runs one job only)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage().split("\n")[0])


def same_text(src: Any, known: dict[str, Any]) -> bool:
    """Whether source ``src`` holds the text of the indexed document ``known`` under another
    name: its content hash with the known document's id and title put in."""
    twin = dataclasses.replace(src, doc_id=known["doc_id"], title=known["title"])
    document = getattr(twin, "document", None)  # a source read straight into a Document carries them too
    if document is not None:
        twin.document = dataclasses.replace(document, doc_id=known["doc_id"], title=known["title"])
    return bool(twin.sha256 == known.get("sha256"))


def upload(spec: dict[str, Any], emit: Emit) -> dict[str, Any]:
    from rag import index as ix
    from rag.document.reading import read_sources
    from rag.ingest import ingest_sources
    from rag.ingest_report import IngestReport, document_entry

    index_dir, path, name = Path(spec["index"]), Path(spec["path"]), str(spec["name"])
    report = IngestReport(index_dir=str(index_dir))

    def on_progress(stage: str, done: int, total: int) -> None:
        emit({"stage": stage, "done": done, "total": total})

    on_progress("reading", 0, 1)
    sources = read_sources([path], spec.get("title") or None)
    for src in sources:  # the user's file name, not the worker's copy ("name:line" for a .jsonl record)
        src.origin = src.origin.replace(str(path), name)
    known = ix.read_manifest(index_dir)["documents"] if (index_dir / ix.MANIFEST).exists() else {}
    fresh = []
    for src in sources:
        twin = next((d for d in known.values() if d["doc_id"] != src.doc_id and same_text(src, d)), None)
        if twin is None:
            fresh.append(src)
            continue
        report.unchanged.append(twin["doc_id"])
        report.documents.append(document_entry(ix.DocumentInfo(**twin), "unchanged"))
        report.warnings.append(f"{name}: the same text as {twin['title']} ({twin['doc_id']}), already in the "
                               f"library; not added again")
    if not fresh:
        report.n_documents = len(known)
        report.n_chunks = sum(int(d["n_chunks"]) for d in known.values())
        return report.to_dict()
    return ingest_sources(fresh, index_dir, progress=False, on_progress=on_progress, report=report).to_dict()


def remove(spec: dict[str, Any]) -> dict[str, Any]:
    from rag import index as ix
    from rag.ingest import remove as remove_document

    index_dir, doc_id = Path(spec["index"]), str(spec["doc_id"])
    chunks = remove_document(doc_id, index_dir)
    documents = ix.read_manifest(index_dir)["documents"]
    return {"removed": doc_id, "chunks": chunks, "n_documents": len(documents),
            "n_chunks": sum(int(d["n_chunks"]) for d in documents.values())}


def main(argv: list[str] | None = None) -> int:
    apply_thread_policy()
    spec = json.loads((argv if argv is not None else sys.argv[1:])[0])
    die_with_parent(spec.get("parent"))
    try:
        os.nice(NICE)
    except OSError:
        pass
    out = protocol_stream()

    def emit(message: dict[str, Any]) -> None:
        out.write(json.dumps(message, ensure_ascii=False) + "\n")
        out.flush()

    def shown(line: str) -> str:  # the user's file name where a message names the worker's copy
        return line.replace(spec["path"], spec["name"]) if spec.get("path") else line

    collected = _Collected()
    logging.getLogger("rag").addHandler(collected)
    try:
        if spec.get("action") == "upload":
            report = upload(spec, emit)
            report["warnings"] = [shown(w) for w in dict.fromkeys([*collected.lines, *report["warnings"]])]
        elif spec.get("action") == "remove":
            report = remove(spec)
        else:
            raise RagError(f"unknown job {spec.get('action')!r}")
    except RagError as e:
        emit({"error": shown(str(e).split("\n")[0]), "code": e.exit_code})
        return e.exit_code
    emit({"report": report})
    return 0


if __name__ == "__main__":
    sys.exit(main())
