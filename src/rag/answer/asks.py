"""What a question asks for, read from its question words: a list, a person, a time, a place,
a number, a source, a definition, a way or a reason, or anything else; and what in a sentence looks like such an
answer (a date, a number, a name, an enumeration), so the extract can prefer the sentence that
holds the answer over the one that only repeats the question.

Everything here is about the language of questions and of answers in general (Thai and
English question words, number and month words, titles before a name), never about one
document's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LIST, WHO, WHEN, WHERE, COUNT, SOURCE, DEFINE, HOW, OTHER = (
    "list", "who", "when", "where", "count", "source", "define", "how", "other")

# Thai question words, by what they ask. Thai puts them at the end ("... มีอะไรบ้าง") or inside
# ("ใครเป็นผู้ ...", "... ปีใด"), so they are looked for anywhere in the question.
_TH = {
    SOURCE: r"อ้างอิง|แหล่งที่มา|แหล่งข้อมูล|มาจากแหล่ง|ที่มาของข้อมูล|แหล่งใด|เอกสารใด|บทความใด",
    LIST: r"บ้าง|มีกี่(?:ประการ|ข้อ|ด้าน|แนวทาง|ประเภท|ชนิด|อย่าง|กลุ่ม|หลัก|ส่วน|ขั้น)|ประกอบด้วยอะไร",
    COUNT: r"กี่|เท่าไร|เท่าไหร่|เท่าใด|จำนวนเท่า|ปริมาณเท่า|ร้อยละเท่า",
    WHEN: r"เมื่อไร|เมื่อไหร่|เมื่อใด|ตอนไหน|ช่วงไหน|ช่วงใด|ปีใด|ปีไหน|ปีอะไร|วันที่เท่า|วันใด|วันไหน|"
          r"เดือนใด|เดือนไหน|ศตวรรษใด|ยุคใด|สมัยใด|ค\.ศ\.ใด|พ\.ศ\.ใด",
    WHO: r"ใคร|ผู้ใด|บุคคลใด|ท่านใด|คนใด|ผู้ที่.*คือ(?:ใคร|ผู้ใด)",
    WHERE: r"ที่ไหน|ที่ใด|แห่งใด|แห่งไหน|ประเทศใด|ประเทศไหน|เมืองใด|เมืองไหน|จังหวัดใด|จังหวัดไหน|ทวีปใด|"
           r"ภูมิภาคใด|บริเวณใด|สถานที่ใด",
    DEFINE: r"คืออะไร|หมายถึงอะไร|หมายถึง|ความหมายของ|นิยาม",
    HOW: r"อย่างไร|ยังไง|แบบใด|ด้วยวิธีใด|วิธีใด|ทำไม|เหตุใด|เพราะอะไร|เพื่ออะไร",
}
_EN = {
    SOURCE: r"\b(?:cited?|cites|citing|sources?|references?|referenced|according to which|which (?:publication|paper|"
            r"article|study|book|report|journal))\b",
    LIST: r"^\W*(?:list|name (?:the|all|some|three|two|four|five))\b|\b(?:which|what)(?:\s+[\w'’-]+){0,4}?\s+"
          r"(?!(?:is|was|has|does|this|us|its|his|as|thus|plus|bus|gas|yes|less|news|status|process|across)\b)"
          r"[a-z][\w-]*[^s'’\W]s\b(?=(?:\s+[\w'’-]+)?\s+(?:are|were|do|did|does|have|has|make|made|form|include|"
          r"should|can|could|will|would|did|face|named|listed|involved)\b)",
    COUNT: r"\b(?:how (?:many|much|long|far|old|big|large|tall|high|often)|what (?:percentage|percent|proportion|"
           r"share|number|amount|size|score))\b",
    WHEN: r"^\W*(?:\w+\s+){0,2}?when\b|\b(?:what (?:year|date|time|century|decade|month|day|period|era)|which "
          r"(?:year|date|century|decade|month|day|period|era)|since when|how long ago)\b",
    WHO: r"^\W*(?:\w+\s+){0,2}?(?:who|whom|whose)\b|\bwhich (?:person|people|man|woman|king|queen|president|leader|"
         r"official|author|scientist|company|organization|organisation|group|team|agency)\b",
    WHERE: r"^\W*(?:\w+\s+){0,2}?where\b|\b(?:which (?:country|countries|city|cities|place|region|state|province|"
           r"continent|river|island)|in what (?:country|city|place|region))\b",
    HOW: r"^\W*(?:\w+\s+){0,2}?(?:how|why)\b|\b(?:in what way|for what (?:reason|purpose)|what for)\b",
    DEFINE: r"^\W*what (?:is|are|was|were) (?:a |an |the )?[\w'’\- ]{1,40}\??$|\b(?:what does [\w'’\- ]+ mean|"
            r"define|definition|meaning of|what is meant by)\b",
}
_TH_RE = {k: re.compile(v) for k, v in _TH.items()}
_EN_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _EN.items()}
# Checked in this order: the first kind that matches is the one asked ("ใครบ้าง" lists people:
# a list; "กี่ปี" counts; "มีกี่ประการ" lists).
_ORDER = (SOURCE, LIST, WHEN, COUNT, WHO, WHERE, DEFINE, HOW)


@dataclass(frozen=True)
class Asks:
    """What the question asks for (``kind``), and whether its answer should be an enumeration
    (``many``: a list question, or an English question about plural things)."""

    kind: str
    many: bool


def asks(question: str) -> Asks:
    """The kind of answer ``question`` asks for (one of the module's constants)."""
    text = " ".join(question.split())
    thai = any("\u0e00" <= ch <= "\u0e7f" for ch in text)
    table = _TH_RE if thai else _EN_RE
    kind = next((k for k in _ORDER if table[k].search(text)), OTHER)
    if thai and kind == OTHER and _EN_RE[SOURCE].search(text):
        kind = SOURCE  # "... cited ..." in a mixed question
    many = kind == LIST or (kind in (WHO, WHERE) and bool(re.search(r"บ้าง|\b(?:are|were)\b", text)))
    if not many and not thai and kind not in (COUNT, WHEN) and _EN_RE[LIST].search(text):
        many = True  # "Which officials are involved ...": people or places, several of them
    return Asks(kind=kind, many=many)


# ------------------------------------------------------------------ what answers look like

_THAI_MONTHS = ("มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|"
                "ธันวาคม|ม\\.ค\\.|ก\\.พ\\.|มี\\.ค\\.|เม\\.ย\\.|พ\\.ค\\.|มิ\\.ย\\.|ก\\.ค\\.|ส\\.ค\\.|ก\\.ย\\.|ต\\.ค\\.|"
                "พ\\.ย\\.|ธ\\.ค\\.")
_EN_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"(?:{_THAI_MONTHS}|\b(?:{_EN_MONTHS})\b|พ\.ศ\.|ค\.ศ\.|ศตวรรษ|ทศวรรษ|\b1[0-9]{{3}}\b|\b20[0-9]{{2}}\b|"
                   rf"\b25[0-9]{{2}}\b|[๑-๙][๐-๙]{{3}}|\b(?:century|decade)\b)")
_NUMBER_WORDS = ("หนึ่ง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ|ยี่สิบ|ร้อย|พัน|หมื่น|แสน|ล้าน|ร้อยละ|"
                 "เปอร์เซ็นต์|ครึ่ง|\\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
                 "hundred|thousand|million|billion|percent|half|dozen)\\b")
_NUMBER = re.compile(rf"[0-9๐-๙]|{_NUMBER_WORDS}", re.IGNORECASE)
# Words that stand before a person's name (titles, offices, ranks) and a Latin name in
# parentheses after a Thai transliteration: "จอห์น เคอร์รี่ (John Kerry)".
_PERSON = re.compile(
    r"นาย|นาง|นางสาว|ดร\.|ศ\.|รศ\.|ผศ\.|ศาสตราจารย์|ประธานาธิบดี|นายกรัฐมนตรี|รัฐมนตรี|กษัตริย์|พระเจ้า|"
    r"สมเด็จ|เจ้าชาย|เจ้าหญิง|จักรพรรดิ|พระบาทสมเด็จ|นักวิทยาศาสตร์|นักเขียน|ผู้ก่อตั้ง|ผู้อำนวยการ|ประธาน|"
    r"\((?:[A-Z][a-z]+\.? ?){2,4}\)|\b(?:Mr|Mrs|Ms|Dr|Prof|Sir|President|King|Queen|Minister)\.?\s+[A-Z]")
_PLACE = re.compile(r"ประเทศ|เมือง|จังหวัด|อำเภอ|ตำบล|เกาะ|แม่น้ำ|ทะเล|ภูเขา|ทวีป|ภูมิภาค|รัฐ|กรุง|ตั้งอยู่|ณ ")
# An enumeration: numbered items, or a word that announces the items that follow.
ENUMERATION = re.compile(r"\(\s*[1-9๑-๙]\s*\)|(?:^|\s)[1-9]\)\s|ได้แก่|ประกอบด้วย|ดังนี้|ดังต่อไปนี้|อาทิ|"
                         r"\b(?:including|such as|namely|as follows|consists? of|comprises?)\b")
# A sentence that announces what follows: the continuation belongs with it. Thai ว่า ends the
# words that introduce a name or what was said or believed (เรียกว่า, กล่าวว่า, เชื่อว่า).
ANNOUNCES = re.compile(r"(?:ได้แก่|ดังนี้|ดังต่อไปนี้|ประกอบด้วย|คือ|ว่า|อาทิ|เช่น|:|\bas follows|\bincluding|\bnamely|"
                       r"\bsuch as|\bare)\s*$|\(\s*1\s*\)[^()]*$", re.IGNORECASE)
# A numbered item "(2)" / "2)" that continues an enumeration begun before it.
ITEM = re.compile(r"\(\s*([2-9๒-๙])\s*\)|(?:^|\s)([2-9])\)\s")


# Words that say how or why: means, purpose, cause, consequence. A "how"/"why" question is
# answered by the sentence that says by what means or to what end, often the one after the
# sentence that names the subject ("... therefore X uses Y as a tool to ...").
_MEANS = re.compile(r"โดย|เพื่อ|ผ่าน|ด้วยการ|ดังนั้น|จึง|เพราะ|เนื่องจาก|ทำให้|ส่งผล|"
                    r"\b(?:by|through|via|in order to|so that|because|therefore|thus|hence)\b",
                    re.IGNORECASE)
_DEFINES = r"\s*(?:คือ|หมายถึง|หมายความว่า|เป็น|ได้แก่|means?\b|is defined|refers? to|is an?\b|are\b|is the\b)"


def answer_signal(kind: str, text: str, terms: tuple[str, ...] = ()) -> float:
    """How much ``text`` holds what looks like the kind of answer asked for, from 0 to 1: a
    date, a number, a place, an enumeration; names count up to three (the one asked for is
    often next to another: "X, minister under President Y, said ..."); for a definition, one
    of the question's ``terms`` followed by a defining word (``คือ``, ``หมายถึง``, "means")."""
    if kind == WHEN:
        return float(bool(_DATE.search(text)))
    if kind == COUNT:
        return float(bool(_NUMBER.search(text)))
    if kind == WHO:
        return min(3, len(_PERSON.findall(text))) / 3
    if kind == WHERE:
        return float(bool(_PLACE.search(text)))
    if kind == LIST:
        return float(bool(ENUMERATION.search(text)) or text.count(",") >= 2 or text.count(" และ") >= 1)
    if kind == HOW:
        return min(3, len(set(m.group(0).lower() for m in _MEANS.finditer(text)))) / 3
    if kind == DEFINE and terms:
        alts = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True) if len(t) > 2)
        return float(bool(alts and re.search(f"(?:{alts}){_DEFINES}", text, re.IGNORECASE)))
    return 0.0
