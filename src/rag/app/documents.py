"""The chat's Documents view and its endpoints: upload files and follow their ingest, the
library table, a document's outline, removal with a confirmation.

Endpoints (``gradio_client``, like ``/chat``): ``/upload`` (a file, an optional title; the
ingest report as JSON text, the fields of `rag ingest --json`), ``/documents`` (the library
as JSON text), ``/remove`` (a document id; what was removed as JSON text). A user's mistake
is a ``gr.Error`` with one line, never a traceback. ``read_only``: no upload, no removal,
neither in the page nor as an endpoint.

Document text reaches the page only escaped (``html.escape``), as the answers do.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.api import Assistant
from rag.app.library import Job, Library, document_outline, list_documents
from rag.errors import RagError

ALL = "—"
POLL_S = 0.5  # how often the page's view of running uploads is redrawn
STAGES = [("reading", "อ่านไฟล์ · reading"), ("repair", "ซ่อมข้อความ · repair"),
          ("structure", "โครงสร้าง · structure"), ("embedding", "เวกเตอร์ · embedding"),
          ("indexing", "ดัชนี · indexing")]
COLUMNS = ["ชื่อเรื่อง · Title", "รหัส · Doc id", "หน้า · Pages", "หัวข้อ · Sections", "เชิงอรรถ · Footnotes",
           "ข้อความ · Chunks", "เพิ่มเมื่อ · Added"]
NO_FILES = "เลือกไฟล์ก่อน · Choose one or more files first."


@dataclass
class ChatControls:
    """The chat's sidebar components that follow the library: filters and the count line."""

    doc: Any
    section: Any
    count: Any


# --------------------------------------------------------------------------- what the page shows


def doc_choices(documents: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    return [(ALL, ALL)] + [(f"{d['title']} ({d['doc_id']})" if d["title"] != d["doc_id"] else d["doc_id"],
                            d["doc_id"]) for d in documents.values()]


def count_line(assistant: Assistant) -> str:
    docs = assistant.searcher.documents
    n_chunks = sum(int(d.get("n_chunks", 0)) for d in docs.values())
    return f"<small>{len(docs)} document(s) · {n_chunks} passages</small>"


def _blank(value: Any) -> str:
    return "" if value is None else str(value)


def table_rows(docs: list[dict[str, Any]]) -> list[list[str]]:
    return [[d["title"], d["doc_id"], _blank(d["pages"]), _blank(d["sections"]), _blank(d["footnotes"]),
             _blank(d["chunks"]), (d["added"] or "")[:16].replace("T", " ")] for d in docs]


def result_line(report: dict[str, Any]) -> str:
    """One line per document of an ingest report: what it was done with and what it holds."""
    lines = []
    for d in report.get("documents", []):
        status = {"added": "✓ เพิ่มแล้ว · added", "updated": "✓ ปรับปรุงแล้ว · updated",
                  "unchanged": "= ไม่เปลี่ยนแปลง · unchanged (already in the library)"}.get(d["status"], d["status"])
        parts = [f"{d[key]} {label}" for key, label in (("pages", "pages"), ("sections", "sections"),
                                                         ("footnotes", "footnotes"), ("chunks", "chunks"),
                                                         ("repairs", "repairs")) if d.get(key) is not None]
        lines.append(f"<b>{html.escape(d['title'])}</b> ({html.escape(d['doc_id'])}) · {status}"
                     + (f"<br><span class='job-figures'>{' · '.join(parts)}</span>" if parts else ""))
    return "<br>".join(lines)


def job_row(name: str, job: Job | None, error: str | None = None) -> str:
    state = "failed" if error or (job and job.state == "failed") else (job.state if job else "failed")
    cells = [f"<td class='job-name'>{html.escape(name)}</td>"]
    if job is None or (job.state == "failed" and job.stage == ""):
        stages = ""
    else:
        order = [s for s, _ in STAGES]
        at = len(order) if job.state == "done" else order.index(job.stage) if job.stage in order else -1
        spans = []
        for i, (stage, label) in enumerate(STAGES):
            cls = "done" if i < at else "current" if i == at else "todo"
            extra = ""
            if i == at and stage == "embedding" and job.total:
                extra = f" {100 * job.done // job.total}%"
            spans.append(f"<span class='stage {cls}'>{label}{extra}</span>")
        stages = " › ".join(spans)
        if job.state == "queued":
            stages = "<span class='stage current'>รอคิว · queued</span> " + stages
        elif job.state == "running" and at == -1 and job.stage != "waiting":
            stages = "<span class='stage current'>กำลังเริ่ม · starting</span> " + stages
        elif job.stage == "waiting":
            stages = "<span class='stage current'>รอการนำเข้าอื่น · waiting for another ingest</span>"
    cells.append(f"<td class='job-stages'>{stages}</td>")
    if error or (job and job.state == "failed"):
        result = f"<span class='job-error'>✗ {html.escape(error or (job.error if job else '') or '')}</span>"
    elif job and job.state == "done" and job.report is not None:
        result = result_line(job.report) + "".join(f"<div class='job-warning'>⚠ {html.escape(w)}</div>"
                                                   for w in job.report.get("warnings", []))
    else:
        result = "…"
    cells.append(f"<td class='job-result'>{result}</td>")
    return f"<tr class='job job-{state}' data-state='{state}'>{''.join(cells)}</tr>"


def jobs_html(rows: list[tuple[str, Job | None, str | None]], note: str = "") -> str:
    if not rows:
        return f"<p class='uploads-note'>{html.escape(note)}</p>" if note else ""
    head = ("<tr><th class='job-name'>ไฟล์ · File</th><th class='job-stages'>ขั้นตอน · Progress</th>"
            "<th class='job-result'>ผล · Result</th></tr>")
    return (f"<table class='uploads'><thead>{head}</thead><tbody>"
            + "".join(job_row(name, job, error) for name, job, error in rows) + "</tbody></table>")


def outline_html(outline: dict[str, Any] | None) -> str:
    if not outline:
        return "<p class='outline-empty'>เลือกเอกสารเพื่อดูโครงร่าง · Choose a document to see its outline.</p>"
    d = outline["document"]
    facts = " · ".join(f"{d[key]} {label}" for key, label in (("pages", "pages"), ("sections", "sections"),
                                                                ("footnotes", "footnotes"), ("chunks", "chunks"))
                       if d.get(key) is not None)
    out = [f"<h4>{html.escape(d['title'])} <small>({html.escape(d['doc_id'])})</small></h4>",
           f"<p class='outline-facts'>{facts}</p>",
           "<h5>หัวข้อ · Sections</h5><table class='outline-sections'><thead><tr><th>หัวข้อ · Section</th>"
           "<th>หน้า · Page</th><th>ข้อความ · Chunks</th></tr></thead><tbody>"]
    for s in outline["sections"]:
        title = html.escape(s["title"]) if s["title"] else "<i>(บทนำ · introduction)</i>"
        out.append(f"<tr><td>{title}</td><td>{_blank(s['page'])}</td><td>{s['chunks']}</td></tr>")
    out.append("</tbody></table>")
    refs = outline["references"]
    out.append(f"<h5>แหล่งอ้างอิง · References ({len(refs)})</h5>")
    if refs:
        out.append("<ol class='outline-references'>" + "".join(
            f"<li value='{r['n']}'>{html.escape(r['text'])}"
            + (f" <small>(p. {r['page']})</small>" if r["page"] is not None else "") + "</li>" for r in refs)
            + "</ol>")
    else:
        out.append("<p>—</p>")
    return "\n".join(out)


def api_report(report: dict[str, Any]) -> str:
    """The report as the endpoint gives it: the index folder by its name (no server path)."""
    return json.dumps({**report, "index_dir": Path(report.get("index_dir", "")).name}, ensure_ascii=False)


# --------------------------------------------------------------------------- the view


def build_documents(assistant: Assistant, library: Library | None, controls: ChatControls) -> None:
    """The Documents view, inside the caller's ``gr.Tab``, and the library's endpoints."""
    import gradio as gr

    def library_updates(selected: str | None = None) -> list[Any]:
        """Table, the view's document picker, the chat's document and section filters, the count."""
        docs = assistant.searcher.documents
        keep = selected if selected in docs else None
        return [gr.update(value=table_rows(list_documents(assistant))),
                gr.update(choices=doc_choices(docs)[1:], value=keep),
                gr.update(choices=doc_choices(docs), value=ALL),
                gr.update(choices=[ALL] + assistant.searcher.sections(), value=ALL),
                count_line(assistant)]

    gr.Markdown("### เอกสาร · Documents")
    if library is not None:
        with gr.Column(elem_id="upload-panel"):
            files = gr.File(label=f"เพิ่มเอกสาร · Add documents (.pdf .txt .md .jsonl, ≤ {library.max_mb:g} MB each)",
                            file_count="multiple", type="filepath", elem_id="upload-files", height=120)
            with gr.Row(equal_height=False, elem_id="upload-row"):
                title = gr.Textbox(label="ชื่อเรื่อง (ไม่บังคับ) · Title (optional, one file)", scale=4,
                                   elem_id="upload-title", max_lines=1)
                upload_btn = gr.Button("อัปโหลด · Upload", variant="primary", scale=1, min_width=140,
                                       elem_id="upload-button")
        progress = gr.HTML(elem_id="upload-progress")
    table = gr.Dataframe(value=table_rows(list_documents(assistant)), headers=COLUMNS, interactive=False, wrap=True,
                         elem_id="library", label="คลังเอกสาร · Library", max_height=420,
                         datatype=["str", "str", "number", "number", "number", "number", "str"])
    with gr.Row(equal_height=False, elem_id="library-pick"):
        picked = gr.Dropdown(doc_choices(assistant.searcher.documents)[1:], value=None, scale=4,
                             label="เลือกเอกสาร · Choose a document (or click its row)", elem_id="library-doc")
        if library is not None:
            remove_btn = gr.Button("ลบเอกสาร · Remove", variant="stop", interactive=False, scale=1, min_width=140,
                                   elem_id="remove-button", elem_classes=["danger"])
    if library is not None:
        with gr.Row(visible=False, elem_id="remove-confirm") as confirm_row:
            confirm_text = gr.Markdown(elem_id="remove-question")
            yes = gr.Button("ยืนยันการลบ · Yes, remove it", variant="stop", elem_id="remove-yes", scale=0,
                            elem_classes=["danger"])
            no = gr.Button("ยกเลิก · Cancel", elem_id="remove-no", scale=0)
        status = gr.Markdown(elem_id="library-status")
    outline = gr.HTML(outline_html(None), elem_id="outline")
    chat_outputs = [table, picked, controls.doc, controls.section, controls.count]

    def show(doc_id: str | None):
        """The outline; the remove button on for a document, its confirmation put away."""
        found = bool(doc_id)
        try:
            view = outline_html(document_outline(assistant, doc_id) if doc_id else None)
        except RagError as e:
            view, found = f"<p class='outline-empty'>⚠ {html.escape(str(e))}</p>", False
        if library is None:
            return view
        return view, gr.update(interactive=found), gr.update(visible=False)

    def pick_row(evt):
        row = evt.row_value or []
        return row[1] if len(row) > 1 and row[1] else gr.skip()

    pick_row.__annotations__["evt"] = gr.SelectData  # a real class: gradio passes the clicked cell by it

    picked.change(show, picked, outline if library is None else [outline, remove_btn, confirm_row],
                  api_visibility="private", queue=False)
    table.select(pick_row, None, picked, api_visibility="private", queue=False)
    def documents_api() -> str:
        """The library as JSON text: one object per document (doc_id, title, kind, pages,
        sections, footnotes, chunks, added), newest first."""
        return json.dumps(list_documents(assistant), ensure_ascii=False)

    gr.api(documents_api, api_name="documents", concurrency_limit=None)

    if library is None:
        return

    def ask_confirm(doc_id: str | None):
        docs = assistant.searcher.documents
        if not doc_id or doc_id not in docs:
            return gr.update(visible=False), ""
        d = docs[doc_id]
        return gr.update(visible=True), (f"ลบ **{html.escape(d['title'])}** ({html.escape(doc_id)}) และข้อความ "
                                         f"{d.get('n_chunks', 0)} ส่วนออกจากคลัง? · Remove it and its "
                                         f"{d.get('n_chunks', 0)} passages from the library?")

    def remove_confirmed(doc_id: str | None):
        hidden = gr.update(visible=False)
        if not doc_id:
            yield hidden, "", *[gr.skip()] * len(chat_outputs)
            return
        try:
            job = library.remove(doc_id)
        except RagError as e:
            yield hidden, f"⚠ {e}", *[gr.skip()] * len(chat_outputs)
            return
        yield hidden, f"กำลังลบ · Removing {doc_id} …", *[gr.skip()] * len(chat_outputs)
        job.finished.wait()
        if job.state != "done" or job.report is None:
            yield hidden, f"⚠ {job.error}", *library_updates(doc_id)
            return
        r = job.report
        yield hidden, f"✓ ลบแล้ว · Removed {r['removed']} ({r['chunks']} passages)", *library_updates(None)

    remove_btn.click(ask_confirm, picked, [confirm_row, confirm_text], api_visibility="private", queue=False)
    no.click(lambda: gr.update(visible=False), None, confirm_row, api_visibility="private", queue=False)
    yes.click(remove_confirmed, picked, [confirm_row, status, *chat_outputs], api_visibility="private",
              concurrency_limit=None)

    def upload_files(paths: list[str] | None, title_text: str | None):
        paths = list(paths or [])
        if not paths:
            yield jobs_html([], NO_FILES), *[gr.skip()] * (2 + len(chat_outputs))
            return
        rows: list[tuple[str, Job | None, str | None]] = []
        for path in paths:
            name = Path(path).name
            try:
                rows.append((name, library.upload(path, name=name, title=title_text if len(paths) == 1 else None),
                             None))
            except RagError as e:
                rows.append((name, None, str(e)))
        jobs = [job for _, job, _ in rows if job is not None]
        while any(not job.finished.is_set() for job in jobs):
            yield jobs_html(rows), *[gr.skip()] * (2 + len(chat_outputs))
            time.sleep(POLL_S)
        yield jobs_html(rows), None, "", *library_updates(None)

    upload_btn.click(upload_files, [files, title], [progress, files, title, *chat_outputs],
                     api_visibility="private", concurrency_limit=None)

    # /upload for programs: one file and an optional title in, the ingest report out
    api_file = gr.File(visible=False, type="filepath", file_count="single")
    api_title = gr.Textbox(visible=False, value="")
    api_out = gr.Textbox(visible=False)

    def upload_api(path: str | None, title_text: str | None = "") -> Iterator[str]:
        """Ingest one file (.pdf .txt .md .jsonl) into the library; yields progress, ends with the
        ingest report (the fields of `rag ingest --json`) as JSON text."""
        if not path:
            raise gr.Error("give a file to upload", print_exception=False)
        try:
            job = library.upload(path, title=title_text or None)
        except RagError as e:
            raise gr.Error(str(e), print_exception=False) from None
        while not job.finished.wait(POLL_S):
            yield json.dumps({k: v for k, v in job.to_dict().items() if k != "report"}, ensure_ascii=False)
        if job.state != "done" or job.report is None:
            raise gr.Error(job.error or "the upload failed", print_exception=False)
        yield api_report(job.report)

    def remove_api(doc_id: str) -> str:
        """Remove a document (by its id) from the library; what was removed as JSON text."""
        try:
            job = library.remove(doc_id)
        except RagError as e:
            raise gr.Error(str(e), print_exception=False) from None
        job.finished.wait()
        if job.state != "done" or job.report is None:
            raise gr.Error(job.error or "the removal failed", print_exception=False)
        return json.dumps(job.report, ensure_ascii=False)

    gr.Button(visible=False).click(upload_api, [api_file, api_title], api_out, api_name="upload",
                                   concurrency_limit=None)
    gr.api(remove_api, api_name="remove", concurrency_limit=None)
