"""Extra de/fr/es/zh training text for the punct-fast model (chunkcli/train/punct_extra_lang.py)."""

from __future__ import annotations

import pytest

from chunkcli.train.punct_extra_lang import (harvest_lang, is_prose, labelled_copies, language_of,
                                             unwrap_chinese)
from chunkcli.train.punct_lm_extra import corrupt, is_prose as is_english_prose

GERMAN = ("Der Parser liest die ganze Datei, bevor er beginnt. Dann geht er einmal durch den Baum und "
          "merkt sich jeden Namen in einer Tabelle. Wird ein Name vor seiner Definition benutzt, meldet "
          "er das und macht mit der Anweisung danach weiter, damit ein Fehler keine anderen verdeckt.")
FRENCH = ("L'analyseur lit tout le fichier avant de commencer. Il parcourt ensuite l'arbre une fois et garde "
          "chaque nom qu'il rencontre dans une table. Quand un nom est utilisé avant d'être défini, il le "
          "signale et passe à l'instruction suivante, pour qu'une erreur ne cache pas les autres.")
SPANISH = ("El analizador lee todo el archivo antes de empezar. Luego recorre el árbol una vez y guarda cada "
           "nombre que encuentra en una tabla. Cuando se usa un nombre antes de definirlo, lo indica y sigue "
           "con la instrucción siguiente, para que un error no oculte los demás.")
ITALIAN = ("Il parser legge tutto il file prima di iniziare. Poi percorre l'albero una volta e tiene ogni "
           "nome che incontra in una tabella. Quando un nome è usato prima di essere definito, il parser lo "
           "segnala e continua con l'istruzione successiva, così un errore non nasconde gli altri.")
ENGLISH = ("The parser reads the whole file before it starts. It then walks the tree once and keeps "
           "every name it meets in a table. When a name is used before it is defined, the parser "
           "reports it and goes on with the next statement, so one mistake does not hide the others.")
CHINESE = "解析器在开始之前读取整个文件。然后它遍历一次语法树，并把遇到的每个名字记在表中。如果一个名字在定义之前就被使用，它会报告这个错误并继续处理下一条语句，这样一个错误不会掩盖其他错误。"
TRADITIONAL = "解析器在開始之前讀取整個檔案。然後它遍歷一次語法樹，並把遇到的每個名字記在表中。如果一個名字在定義之前就被使用，它會報告這個錯誤並繼續處理下一條語句，這樣一個錯誤不會掩蓋其他錯誤。"
JAPANESE = "パーサーは開始する前にファイル全体を読み込みます。次に木を一度たどり、出会った名前をすべて表に記録します。名前が定義の前に使われると、それを報告して次の文に進みます。"


def test_each_language_keeps_its_own_prose_only() -> None:
    texts = {"de": GERMAN, "fr": FRENCH, "es": SPANISH, "zh": CHINESE}
    for lang, text in texts.items():
        assert [other for other in texts if is_prose(text, other)] == [lang]
        assert not is_prose(ENGLISH, lang) and not is_prose(ITALIAN, lang)
    assert language_of(ITALIAN) == "it" and language_of(ENGLISH) == "en"
    assert not is_prose(TRADITIONAL, "zh") and not is_prose(JAPANESE, "zh")
    assert is_english_prose(ENGLISH) and not any(map(is_english_prose, (GERMAN, FRENCH, SPANISH, CHINESE)))


def test_prose_filters_reject_code_markup_and_short_text() -> None:
    assert not is_prose(GERMAN + " Siehe https://example.org dafür.", "de")
    assert not is_prose(GERMAN.replace("Tabelle", "``Tabelle``"), "de")
    assert not is_prose(GERMAN[:150], "de") and not is_prose(GERMAN.rstrip("."), "de")
    assert not is_prose("3.1.1. " + CHINESE, "zh") and not is_prose(CHINESE[:30], "zh")


def test_corruption_of_german_and_chinese_text() -> None:
    # the regex tokens split an abbreviation's period off (UD keeps `z.` `b.`: a known difference)
    assert corrupt("Der „Parser“ liest z. B. die Datei (ganz) – und/oder nicht!") == \
        "der parser liest z b die datei ganz und oder nicht"
    assert corrupt("L'analyseur « lit » le fichier.") == "l'analyseur lit le fichier"
    # Chinese: punctuation deleted, no space put in its place; a space inside the sentence stays one space
    assert corrupt("它遍历一次语法树，并使用 Debian 系统（例如）。", spaced=False) == "它遍历一次语法树并使用 debian 系统例如"


def test_wrapped_chinese_lines_are_joined_without_spaces() -> None:
    assert unwrap_chinese("解析器在开始之前\n读取整个文件。\n\n然后 它遍历 Debian 树。") == \
        "解析器在开始之前读取整个文件。\n\n然后它遍历 Debian 树。"


@pytest.mark.parametrize("lang, paras, sep", [("de", [GERMAN, GERMAN.replace("Parser", "Leser")], " "),
                                              ("zh", [CHINESE, CHINESE.replace("解析器", "程序")], "")])
def test_labelled_copies_keep_the_sentences_and_their_ends(lang: str, paras: list[str], sep: str) -> None:
    structured, flat, corrupted = labelled_copies(lang, paras)
    sentences = [flat.text[a:b].strip() for a, b in zip([0, *flat.ends[:-1]], flat.ends)]
    assert len(sentences) == 6 and flat.text == sep.join(sentences) and flat.ends[-1] == len(flat.text)
    # structured: the same sentences, the paragraph break a newline (in place of the space)
    assert structured.text.count("\n") == 1 and structured.text.replace("\n", sep) == flat.text
    assert [structured.text[a:b].strip() for a, b in zip([0, *structured.ends[:-1]], structured.ends)] == sentences
    assert corrupted.text == sep.join(corrupt(s, spaced=bool(sep)) for s in sentences)
    assert len(corrupted.ends) == 6 and corrupted.ends[-1] == len(corrupted.text)
    assert corrupted.text == corrupted.text.lower() and "。" not in corrupted.text and "," not in corrupted.text


def test_harvest_per_language_reads_html_and_text_and_drops_copies(tmp_path) -> None:
    (tmp_path / "doc-de").mkdir()
    (tmp_path / "doc-de" / "a.de.html").write_text(f"<p>{GERMAN}</p><p>{ENGLISH}</p>", encoding="utf-8")
    (tmp_path / "doc-de" / "a.txt").write_text(GERMAN.replace(",", "") + "\n", encoding="utf-8")  # a copy
    wrapped = CHINESE[:40] + "\n" + CHINESE[40:]
    (tmp_path / "doc-zh").mkdir()
    (tmp_path / "doc-zh" / "b.html").write_text(f"<p>{wrapped}</p><p>{TRADITIONAL}</p>", encoding="utf-8")
    assert harvest_lang([tmp_path], "de") == [GERMAN]
    assert harvest_lang([tmp_path], "zh") == [CHINESE]
    assert harvest_lang([tmp_path], "fr") == []
