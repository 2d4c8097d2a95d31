"""The words the answer adds around the documents' text, in the language of the question, and
what both renderings (markdown for the chat, rich for the terminal) show alike: where a passage
sits and which part of a reference is a link. Everything else in an answer is quoted."""

from __future__ import annotations

import re

from rag.search import Hit
from rag.thai.chars import is_thai

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "answer": "Answer", "passages": "Passages", "sources": "Sources",
        "page": "page", "intro": "Introduction",
        "none": "No passage in the indexed documents answers this question.",
        "hint": "Try other words, another language, or remove the filters.",
        "closest": "Closest passages (they may not answer the question)",
        "followup": "Searched together with the previous question",
        "scope": "Asked of the whole document: passages from the opening and closing sections of",
    },
    "th": {
        "answer": "คำตอบ", "passages": "ข้อความที่เกี่ยวข้อง", "sources": "แหล่งอ้างอิง",
        "page": "หน้า", "intro": "บทนำ",
        "none": "ไม่พบข้อความในเอกสารที่ตอบคำถามนี้",
        "hint": "ลองใช้คำอื่น ถามเป็นภาษาอื่น หรือยกเลิกตัวกรอง",
        "closest": "ข้อความที่ใกล้เคียงที่สุด (อาจไม่ได้ตอบคำถามนี้)",
        "followup": "ค้นหาร่วมกับคำถามก่อนหน้า",
        "scope": "คำถามถึงเอกสารทั้งฉบับ: ข้อความจากส่วนต้นและส่วนท้ายของ",
    },
}
URL = re.compile(r"https?://[^\s<>\"'\]]+")  # a link in a reference's text


def answer_language(message: str) -> str:
    """Thai script anywhere in the message: Thai labels; otherwise English."""
    return "th" if is_thai(message) else "en"


def where(hit: Hit, lab: dict[str, str]) -> list[str]:
    """Title, section (the introduction when it has none) and page of a passage."""
    parts = [hit.title, hit.section or lab["intro"]]
    if hit.page is not None:
        parts.append(f"{lab['page']} {hit.page}")
    return parts
