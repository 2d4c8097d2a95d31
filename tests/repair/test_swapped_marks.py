"""Two marks a face's PDF maps to each other's text: LibreOffice's PDFs of Norasi, Umpush,
Kinnari and Purisa, read with pypdf or pdfminer.six, give SARA UU for the MAI EK set low on a
bare consonant (`ไมู` for `ไม่`, `อยูาง` for `อย่าง`) and MAI EK for SARA UU (`ถ่ก` for `ถูก`),
while MAI EK over an upper vowel (`ที่`) comes out right. Written here into the shipped
article's own text, as such a face does."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from rag.repair.text import repair_document
from rag.repair.unmapped import read_swapped_marks
from rag.thai.lexicon import lexicon

ARTICLE = Path(__file__).parents[2] / "corpus" / "tech-diplomacy-th.txt"
MAI_EK, SARA_UU = "\u0e48", "\u0e39"


def _as_the_face_maps_it(text: str) -> str:
    low = re.sub(f"([ก-ฮ]){MAI_EK}", lambda m: m.group(1) + "\x00", text)  # MAI EK on a bare consonant
    return low.replace(SARA_UU, MAI_EK).replace("\x00", SARA_UU)


def _text(raw: str) -> str:
    return "\n".join(line.text for line in repair_document(raw).lines)


def test_two_marks_a_face_maps_to_each_other_are_read_back() -> None:
    sound = _text(ARTICLE.read_text(encoding="utf-8")[:20000])  # marks in their order, as a PDF's text has them
    damaged = _as_the_face_maps_it(sound)
    assert "ไมู" in damaged and "อยูาง" in damaged
    repaired, expected = _text(damaged), _text(sound)
    for word in ("ไม่", "อย่าง", "ผู้", "ต่าง", "ที่", "ส่งเสริม", "สูง"):
        assert repaired.count(word) == expected.count(word), word
    assert "ไมู" not in repaired and "อยูาง" not in repaired


def test_text_from_a_sound_face_is_left_as_it_is() -> None:
    """The article as extracted: no mark reads better as another in anything like the share a
    face's habit gives, so nothing is swapped."""
    text = ARTICLE.read_text(encoding="utf-8")
    fixes: Counter[str] = Counter()
    assert read_swapped_marks(text, lexicon(), fixes) == text and not fixes["swapped_mark"]
