"""The chat's document library: uploads and removals, one at a time in a worker process, and
the documents the open index holds, with their outline.

A job (an uploaded file to ingest, a document to remove) is checked at once (type by content,
size, name) and queued; one thread runs the queue, starting ``rag.app.worker`` for each job
and following its progress lines. The ingest runs at a lower priority in that process, so
questions keep the server's interpreter and get the cores first. When a job has written the
index, the open ``Assistant`` is reloaded (swapped at once; a question already running
finishes on the old index) before the job is marked done, so whoever waited for it can ask
about the new document straight away. Every write is `rag ingest`'s own (built beside the
index, swapped in whole): a failed or killed job leaves the index as it was.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag import index as ix
from rag.api import Assistant
from rag.config import max_upload_mb
from rag.document.reading import SUPPORTED, document_id
from rag.errors import IndexBusy, RagError

log = logging.getLogger(__name__)
MB = 1 << 20
KEEP_JOBS = 100  # finished jobs remembered for the page
BUSY_RETRY_S = 2.0  # another ingest (`rag ingest` in a terminal) holds the index: try again...
BUSY_WAIT_S = 600.0  # ...for this long
FAILED_JOB = "stopped unexpectedly; the library is unchanged (the error was logged)"
# What a file's first bytes say it is. A PDF may have a little junk before its header.
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"PK\x03\x04", "zip", "a ZIP archive (a Word, Excel or OpenDocument file?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "office", "an old Microsoft Office file"),
    (b"\x89PNG\r\n\x1a\n", "image", "a PNG image"),
    (b"\xff\xd8\xff", "image", "a JPEG image"),
    (b"GIF8", "image", "a GIF image"),
    (b"II*\x00", "image", "a TIFF image"),
    (b"MM\x00*", "image", "a TIFF image"),
    (b"{\\rtf", "rtf", "an RTF document"),
    (b"\x1f\x8b", "gzip", "a gzip archive"),
    # UTF-16 with its byte order mark (Notepad's "Unicode"): text, which the reader decodes
    (b"\xff\xfe", "text", "UTF-16 text"),
    (b"\xfe\xff", "text", "UTF-16 text"),
]


def sniff(head: bytes) -> tuple[str, str]:
    """(kind, what to call it) of a file from its first bytes: "pdf", "text" or another kind."""
    if b"%PDF-" in head[:1024]:
        return "pdf", "a PDF"
    for magic, kind, what in SIGNATURES:
        if head.startswith(magic):
            return kind, what
    if b"\x00" in head:
        return "binary", "binary data"
    return "text", "text"


def check_upload(path: Path, name: str, max_mb: float) -> None:
    """Refuse, in one line, a file the library cannot take: type (by its content, not only its
    name), size, emptiness."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise RagError(f"{name}: unsupported file type {suffix or '(none)'}; upload .pdf, .txt, .md or .jsonl files")
    size = path.stat().st_size
    if size == 0:
        raise RagError(f"{name}: file is empty")
    if size > max_mb * MB:
        raise RagError(f"{name}: {size / MB:.1f} MB is over the {max_mb:g} MB limit (RAG_MAX_UPLOAD_MB)")
    with path.open("rb") as f:
        kind, what = sniff(f.read(8192))
    if suffix == ".pdf" and kind != "pdf":
        raise RagError(f"{name}: not a PDF: the file holds {what}")
    if suffix != ".pdf" and kind != "text":
        hint = "; give it the .pdf extension" if kind == "pdf" else ""
        raise RagError(f"{name}: not a text file: it holds {what}{hint}")


@dataclass
class Job:
    """One upload or removal, as the page shows it."""

    id: str
    action: str  # "upload" | "remove"
    name: str  # the file's name, or the document id
    state: str = "queued"  # queued | running | done | failed
    stage: str = ""  # rag.ingest.PROGRESS_STAGES, or "waiting" (another ingest holds the index)
    done: int = 0
    total: int = 0
    report: dict[str, Any] | None = None
    error: str | None = None  # one line
    queued: float = field(default_factory=time.time)
    started: float | None = None
    ended: float | None = None
    spec: dict[str, Any] = field(default_factory=dict, repr=False)
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "name": self.name, "state": self.state, "stage": self.stage,
                "done": self.done, "total": self.total, "report": self.report, "error": self.error,
                "seconds": round((self.ended or time.time()) - self.started, 1) if self.started else None}


class Library:
    """Uploads and removals for one opened index (``assistant``), run one at a time."""

    def __init__(self, assistant: Assistant, *, max_mb: float | None = None) -> None:
        self.assistant = assistant
        self.max_mb = max_upload_mb() if max_mb is None else max_mb
        self._queue: queue.Queue[Job] = queue.Queue()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._workdir = Path(tempfile.mkdtemp(prefix="rag-uploads-"))
        atexit.register(shutil.rmtree, self._workdir, True)
        # one long-lived thread: the worker processes it starts die with it (PR_SET_PDEATHSIG)
        threading.Thread(target=self._run_queue, name="rag-library", daemon=True).start()

    # ----------------------------------------------------------------- jobs
    def upload(self, path: str | os.PathLike[str], *, name: str | None = None, title: str | None = None) -> Job:
        """Check an uploaded file and queue its ingest; raises RagError (one line) if the library
        cannot take it. The file is moved into the library's own folder (the caller's copy goes)."""
        path = Path(path)
        name = name or path.name
        check_upload(path, name, self.max_mb)
        job = Job(id=uuid.uuid4().hex[:12], action="upload", name=name)
        folder = self._workdir / job.id
        folder.mkdir()
        copy = folder / (document_id(name) + Path(name).suffix.lower())
        try:
            shutil.move(path, copy)
        except OSError:
            shutil.copyfile(path, copy)
        title = (title or "").strip() or (Path(name).stem.strip() if Path(name).suffix.lower() != ".jsonl" else "")
        job.spec = {"action": "upload", "index": str(self.assistant.index_dir.absolute()), "path": str(copy),
                    "name": name, "title": title or None}
        return self._submit(job)

    def remove(self, doc_id: str) -> Job:
        """Queue a document's removal; raises RagError if the library has no such document."""
        if not isinstance(doc_id, str) or doc_id not in documents_by_id(self.assistant):
            raise RagError(f"no document {doc_id!r} in the library")
        job = Job(id=uuid.uuid4().hex[:12], action="remove", name=doc_id)
        job.spec = {"action": "remove", "index": str(self.assistant.index_dir.absolute()), "doc_id": doc_id}
        return self._submit(job)

    def _submit(self, job: Job) -> Job:
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                oldest = next(iter(self._jobs.values()))
                if not oldest.finished.is_set():
                    break
                self._jobs.popitem(last=False)
        self._queue.put(job)
        return job

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def busy(self) -> bool:
        return any(not j.finished.is_set() for j in self.jobs())

    def _run_queue(self) -> None:
        while True:
            job = self._queue.get()
            job.state, job.started = "running", time.time()
            try:
                self._run(job)
            except Exception as e:  # a bug of ours: one log line, one line for the user
                log.error("library job failed: %s", type(e).__name__)
                log.debug("library job failed", exc_info=True)
                job.state, job.error = "failed", f"{job.name}: {FAILED_JOB}"
            finally:
                shutil.rmtree(self._workdir / job.id, ignore_errors=True)
                job.ended = time.time()
                job.finished.set()

    def _run(self, job: Job) -> None:
        deadline = time.monotonic() + BUSY_WAIT_S
        while True:
            code, message = self._run_worker(job)
            if code != IndexBusy.exit_code or time.monotonic() > deadline:
                break
            job.stage, job.done, job.total = "waiting", 0, 0
            time.sleep(BUSY_RETRY_S)
        if job.report is not None:
            try:
                self.assistant.reload()
            except RagError as e:  # the new index is whole (the worker checked it); say why the chat cannot open it
                job.report.setdefault("warnings", []).append(f"the chat keeps the previous index: {e}")
            job.state = "done"
            return
        job.state = "failed"
        if message is None:
            log.error("library worker for a%s job exited with code %s", "n upload" if job.action == "upload" else
                      " removal", code)
            clean_after_crash(self.assistant.index_dir)
            message = f"{job.name}: {FAILED_JOB}"
        job.error = message

    def _run_worker(self, job: Job) -> tuple[int, str | None]:
        """Run the job's worker process; (exit code, its one-line error if it gave one)."""
        spec = {**job.spec, "parent": os.getpid()}
        message: str | None = None
        err = (self._workdir / f"{job.id}.err").open("w+b")
        try:
            proc = subprocess.Popen([sys.executable, "-m", "rag.app.worker", json.dumps(spec)],
                                    stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                    text=True, encoding="utf-8")
            assert proc.stdout is not None
            for line in proc.stdout:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(msg, dict):
                    continue
                if "stage" in msg:
                    job.stage, job.done, job.total = str(msg["stage"]), int(msg["done"]), int(msg["total"])
                elif "report" in msg:
                    job.report = msg["report"]
                elif "error" in msg:
                    message = str(msg["error"])
            code = proc.wait()
            if code not in (0, 2, 3):
                err.seek(0)
                log.debug("library worker stderr: %s", err.read()[-4000:].decode("utf-8", "replace"))
        finally:
            err.close()
            (self._workdir / f"{job.id}.err").unlink(missing_ok=True)
        return code, message


def clean_after_crash(index_dir: Path) -> None:
    """What an ingest that was killed left beside the index (its half-built copy) goes, unless
    an ingest is running now (it cleans up itself)."""
    try:
        with ix.ingest_lock(index_dir):
            pass
    except RagError:  # busy, or not ours to clean: the next ingest says why
        pass


# --------------------------------------------------------------------------- what the index holds


def documents_by_id(assistant: Assistant) -> dict[str, dict[str, Any]]:
    """The open index's manifest records, reopened first if another process wrote the index."""
    assistant.refresh()
    return dict(assistant.searcher.documents)


def list_documents(assistant: Assistant) -> list[dict[str, Any]]:
    """The documents, newest first: what the table shows and ``/documents`` returns."""
    docs = [document_row(d) for d in documents_by_id(assistant).values()]
    docs.sort(key=lambda d: d["doc_id"])
    docs.sort(key=lambda d: d["added"] or "", reverse=True)
    return docs


def document_outline(assistant: Assistant, doc_id: str) -> dict[str, Any]:
    """A document's sections (the page each starts on, its passages) and its references."""
    docs = documents_by_id(assistant)
    if doc_id not in docs:
        raise RagError(f"no document {doc_id!r} in the library")
    searcher = assistant.searcher
    sections: dict[str, dict[str, Any]] = {}
    # the document's rows only: a large index's chunks are parsed when read (rag.index.chunkfile)
    for row, _ in searcher.index.document_rows(doc_id):
        c = searcher.chunk_at(row)
        entry = sections.setdefault(c.section, {"title": c.section, "page": c.page, "chunks": 0})
        entry["chunks"] += 1
    refs = searcher.document_references(doc_id)
    return {"document": document_row(docs[doc_id]), "sections": list(sections.values()),
            "references": [{"n": r.n, "text": r.text, "page": r.page} for _, r in sorted(refs.items())]}


def document_row(d: dict[str, Any]) -> dict[str, Any]:
    """A manifest record as the library shows it (blank where an older index did not record it)."""
    return {"doc_id": d["doc_id"], "title": d["title"], "kind": d.get("kind"), "pages": d.get("n_pages"),
            "sections": d.get("n_sections"), "footnotes": d.get("n_references"), "chunks": d.get("n_chunks"),
            "added": d.get("added")}
