"""Two marks a face's PDF maps to each other's text: LibreOffice's PDFs of Norasi, Umpush,
Kinnari and Purisa, read with pypdf or pdfminer.six, give SARA UU for the MAI EK set low on a
bare consonant (`ไมู` for `ไม่`, `อยูาง` for `อย่าง`) and MAI EK for SARA UU (`ถ่ก` for `ถูก`),
while MAI EK over an upper vowel (`ที่`) comes out right; some of Purisa's give SARA UU for MAI
THO set low too (`ไดู` for `ได้`). Written here into the shipped article's own text, as such a
face does."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from rag.repair.text import repair_document
from rag.repair.unmapped import read_swapped_marks
from rag.thai.lexicon import lexicon

ARTICLE = Path(__file__).parents[2] / "corpus" / "tech-diplomacy-th.txt"
DATA = Path(__file__).parents[1] / "data"
MAI_EK, MAI_THO, SARA_UU = "\u0e48", "\u0e49", "\u0e39"


def _as_the_face_maps_it(text: str, low_marks: str = MAI_EK) -> str:
    """`low_marks` on a bare consonant (set low) come out as SARA UU, SARA UU as MAI EK."""
    low = re.sub(f"([ก-ฮ])([{low_marks}])", lambda m: m.group(1) + "\x00", text)
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


def test_a_mark_a_face_maps_two_marks_to_is_read_as_either() -> None:
    """SARA UU for MAI EK and for MAI THO alike (`ไมู`, `ไดู`, `ตูอง`): each occurrence takes
    the reading that makes a word, and where both do (`ไม่`, `ไม้`) the commoner word. A face
    that maps only MAI EK so keeps its MAI THO as written (the test above)."""
    sound = _text(ARTICLE.read_text(encoding="utf-8")[:20000])
    damaged = _as_the_face_maps_it(sound, MAI_EK + MAI_THO)
    assert "ไมู" in damaged and "ไดู" in damaged and "ใหู" in damaged
    repaired, expected = _text(damaged), _text(sound)
    for word in ("ไม่", "ได้", "ให้", "ต้อง", "อย่าง", "ต่าง", "ที่", "สูง"):
        assert repaired.count(word) == expected.count(word), word
    assert "ไมู" not in repaired and "ไดู" not in repaired


def test_text_from_a_sound_face_is_left_as_it_is() -> None:
    """The article as extracted: no mark reads better as another in anything like the share a
    face's habit gives, so nothing is swapped."""
    text = ARTICLE.read_text(encoding="utf-8")
    fixes: Counter[str] = Counter()
    assert read_swapped_marks(text, lexicon(), fixes) == text and not fixes["swapped_mark"]


def _printed(name: str) -> str:
    """The paragraphs and notes a generated document printed (tests/pdf_producers.py)."""
    gold = json.loads((DATA / f"{name}.gold.json").read_text(encoding="utf-8"))
    return "\n".join([*(p["text"] for p in gold["paragraphs"]), *gold["footnotes"].values()])


def test_real_texts_of_faces_that_map_one_or_two_marks_to_sara_uu() -> None:
    """pypdf's text of two LibreOffice documents: Purisa's SARA UU stands for MAI EK and MAI THO
    (`ไมู`, `ไดู`, `ใหู`; where both make words, the commoner: `ไม่`), Garuda's for MAI EK alone,
    where MAI THO makes words by chance in half of SARA UU's words but reads better than MAI
    EK in none, so it is not taken as a second reading (that read `ป้อม` as `ปูอม`)."""
    for name, words in (("lo_purisa_uu_for_two_marks", ("ไม่", "ได้", "ให้", "ถูก", "อยู่")),
                        ("lo_garuda_uu_for_mai_ek", ("ป้อม", "ท้องฟ้า", "ไม่", "ได้", "ให้"))):
        raw = (DATA / f"{name}.pypdf.txt").read_text(encoding="utf-8")
        repaired, printed = _text(raw), _printed(name)
        for word in words:
            assert repaired.count(word) == printed.count(word), (name, word)


def test_a_mark_read_back_is_weighed_with_its_word_in_order() -> None:
    """Laksaman's SARA UU comes out as MAI THO after the word's tone (`อย่้` for `อยู่`, `ผ้้` for
    `ผู้`): read back as SARA UU the word is `อยู่` only once its tone is put after its vowel,
    as the glyph repair does, so the dictionary weighs it so."""
    name = "lo_laksaman_uu_after_its_tone"
    raw = (DATA / f"{name}.pypdf.txt").read_text(encoding="utf-8")
    assert "อย่้" in raw and "อยู่" not in raw
    repaired, printed = _text(raw), _printed(name)
    for word in ("อยู่", "ผู้", "ดู", "สู่"):
        assert repaired.count(word) == printed.count(word), word


def test_a_short_text_whose_face_swaps_sara_uu_and_mai_ek_is_read_back() -> None:
    """pypdf's text of a three-page LibreOffice document in Sawasdee (2,846 Thai letters, under
    the length the habit is read from in general): `วูา` for `ว่า`, `ถ่ก` for `ถูก`. In a text
    that short only SARA UU and the tone marks are weighed, on a larger share of their words;
    the rest of the text is as printed."""
    name = "lo_sawasdee_short_uu_for_ek"
    raw = (DATA / f"{name}.pypdf.txt").read_text(encoding="utf-8")
    assert "วูา" in raw
    repaired, printed = _text(raw), _printed(name)
    for word in ("ว่า", "ไม่", "ช่อง", "ถูก", "อยู่", "ผู้", "รู้"):
        assert repaired.count(word) == printed.count(word), word


def test_a_short_text_of_a_face_that_swaps_nothing_keeps_its_marks() -> None:
    """The article's first 2,500 characters, a text as short, as printed: no mark is read as
    another."""
    text = ARTICLE.read_text(encoding="utf-8")[:2500]
    fixes: Counter[str] = Counter()
    assert read_swapped_marks(text, lexicon(), fixes) == text and not fixes["swapped_mark"]
