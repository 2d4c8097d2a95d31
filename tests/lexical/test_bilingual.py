"""The English -> Thai dictionary (rag.bilingual): how an English question is read into Thai words."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from rag.lexical.bilingual import Dictionary, build, main


@pytest.fixture(scope="module")
def shipped() -> Dictionary:
    return Dictionary.load()


def test_question_words_become_the_thai_words_of_their_first_sense(shipped: Dictionary) -> None:
    read = dict(shipped.translate("How many people died of the plague in Baghdad?"))
    assert list(read) == ["people", "died", "plague", "baghdad"]  # function words skipped
    assert "กาฬโรค" in read["plague"] and "กรุงแบกแดด" in read["baghdad"]
    assert {"ตาย", "เสียชีวิต"} <= set(read["died"])


def test_an_inflected_form_is_read_only_as_its_own_part_of_speech(shipped: Dictionary) -> None:
    """WordNet's morphy: "-ed" is a verb ending, so "died" is the verb "die", not the noun (a
    dice, ลูกเต๋า); "came" is an irregular form of the verb "come" only; "tentacles" is the
    plural noun."""
    assert ("v", "die") in shipped.lemmas("died") and ("n", "die") not in shipped.lemmas("died")
    assert "ลูกเต๋า" not in shipped.thai("died") and "ลูกเต๋า" in shipped.thai("die")
    assert shipped.lemmas("came") == [("v", "come")] and "มาถึง" in shipped.thai("came")
    assert shipped.thai("tentacles") == shipped.thai("tentacle") == ("หนวด",)
    assert shipped.thai("xyzzyq") == ()


def test_a_phrase_wordnet_holds_is_read_before_its_words(shipped: Dictionary) -> None:
    read = dict(shipped.translate("Which branch of computer science studies problems?"))
    assert "วิทยาการคอมพิวเตอร์" in read["computer_science"]
    assert "computer" not in read and "science" not in read
    # only as WordNet writes it: an inflected phrase is read word by word
    assert [w for w, _ in shipped.translate("computer sciences")] == ["computer", "sciences"]


def test_asking_words_possessives_and_hyphens(shipped: Dictionary) -> None:
    """"Which paper is cited for China's use of STAs?" asks for a footnote: the citing and
    framing words say what is asked, so only China is looked up (the possessive dropped); an
    unknown hyphenated word is read as its parts."""
    assert [w for w, _ in shipped.translate("Which paper is cited for China's use of STAs?")] == ["china"]
    assert [w for w, _ in shipped.translate("What is the name of the treaty called?")] == ["treaty"]
    read = dict(shipped.translate("Who founded the gunpowder-making coalition?"))
    assert "ดินปืน" in read["gunpowder"] and "coalition" in read
    assert shipped.translate("") == [] and shipped.translate("จีนใช้ STAs อย่างไร") == []


def _wordnet(folder: Path) -> None:
    """A tiny WordNet 3.0 dict folder in the real file formats (index lines: lemma, pos, sense
    count, pointer count, pointers, sense count, tagged count, synset offsets by frequency)."""
    folder.mkdir()
    header = "  1 This software and database is being provided to you, the LICENSEE, by\n"
    (folder / "index.noun").write_text(header + "bank n 3 1 @ 3 2 00000001 00000002 00000003  \n"
                                       "die n 1 1 @ 1 0 00000004  \nmouse n 1 0 1 0 00000005  \n", encoding="utf-8")
    (folder / "index.verb").write_text(header + "die v 2 1 @ 2 2 00000011 00000012  \n"
                                       "bank v 1 0 1 0 00000013  \n", encoding="utf-8")
    (folder / "index.adj").write_text(header, encoding="utf-8")
    (folder / "index.adv").write_text(header, encoding="utf-8")
    (folder / "noun.exc").write_text("mice mouse\ngeese goose\n", encoding="utf-8")
    (folder / "verb.exc").write_text("died die\n", encoding="utf-8")
    (folder / "adj.exc").write_text("", encoding="utf-8")
    (folder / "adv.exc").write_text("", encoding="utf-8")


def test_build_keeps_each_lemmas_first_sense_with_thai_words(tmp_path: Path) -> None:
    _wordnet(tmp_path / "dict")
    db = tmp_path / "wordnet_th.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE word_synset(synsetid text, li text, primary key(synsetid, li))")
        con.executemany("INSERT INTO word_synset VALUES (?, ?)", [
            ("00000002-n", "ธนาคาร"), ("00000002-n", "แบงก์"), ("00000003-n", "ตลิ่ง"),
            ("00000004-n", "ลูกเต๋า"), ("00000012-v", "ตาย"), ("00000011-v", "0"),
            ("00000005-n", "หนู"), ("00000013-v", "ฝากเงิน")])
    data = build(tmp_path / "dict", db)
    # "bank" n: sense 1 has no Thai words, sense 2 does; a Thai-less entry ("0") is no word
    assert data["words"]["n"]["bank"] == "1|ธนาคาร|แบงก์"
    assert data["words"]["v"]["die"] == "1|ตาย" and data["words"]["n"]["die"] == "0|ลูกเต๋า"
    # an irregular form is kept only where its lemma has Thai words
    assert data["inflections"] == {"n": {"mice": "mouse"}, "v": {"died": "die"}}
    out = tmp_path / "en_th.json.gz"
    assert main(["--wordnet", str(tmp_path / "dict"), "--thai", str(db), "--out", str(out)]) == 0
    assert json.loads(gzip.decompress(out.read_bytes()))["words"]["n"]["mouse"] == "0|หนู"
    small = Dictionary.load(out)
    assert small.thai("mice") == ("หนู",)
    assert small.thai("died") == ("ตาย",)  # the verb: the noun's sense ranks first but "-ed" is no noun ending
    assert small.thai("banks") == ("ฝากเงิน",)  # verb sense 1 (rank 0) before noun sense 2 (rank 1)
