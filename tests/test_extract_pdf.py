"""PDF extraction: reading order, page ranges, furniture removal, tables, and one clear error per bad PDF."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chunkcli.cli import app
from chunkcli.errors import InputError
from chunkcli.extract import ExtractOptions, extract_item
from chunkcli.extract.pdf import _assemble, _Pages
from chunkcli.extract.pdf_layout import Block
from chunkcli.inputs import InputItem

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pdf"


def _generator():
    spec = importlib.util.spec_from_file_location("make_pdfs", FIXTURES / "make_pdfs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


make = _generator()


def extract_path(path: Path, warnings: list | None = None):
    return extract_item(InputItem(str(path), path.read_bytes, path), ExtractOptions(),
                        (warnings if warnings is not None else []).append)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    return extract_path(make.make_report(tmp_path_factory.mktemp("pdf") / "report.pdf"))


def test_committed_fixture_matches_generator(report) -> None:
    assert extract_path(FIXTURES / "report.pdf").text == report.text


def test_pages_slice_the_text(report) -> None:
    pages = report.meta["pages"]
    assert report.meta["page_count"] == len(pages) == 4
    firsts = [report.text[s:e].split("\n")[0] for s, e in pages]
    assert firsts == ["1 Introduction", "2 Measurements", "3 Two columns", "4 Conclusion"]
    assert all(pages[i][1] < pages[i + 1][0] for i in range(3))
    assert pages[-1][1] == len(report.text)


def test_headers_footers_and_page_numbers_removed(report) -> None:
    assert "Chunkcli Field Manual" not in report.text
    assert "Page 2" not in report.text
    assert report.title == "Chunkcli Field Manual" and report.meta["author"] == "The chunkcli team"


def test_dehyphenation_and_reading_order(report) -> None:
    assert "their extraction decides" in report.text.replace("\n", " ")
    assert report.text.index("Left column first") < report.text.index("Right column second")
    assert report.text.index("returning nothing.") < report.text.index("Right column second")


def test_table_as_markdown(report) -> None:
    assert "|Format|Pages/s|Peak MB|\n|---|---|---|\n|HTML|210|95|" in report.text


def test_outline_becomes_heading_ranges(report) -> None:
    heads = report.meta["headings"]
    assert [h[3] for h in heads] == ["1 Introduction", "2 Measurements", "3 Two columns", "4 Conclusion"]
    for (start, end, _, title), (ps, pe) in zip(heads, report.meta["pages"]):
        assert report.text[start:].startswith(title) and (start, end) == (ps, pe)


def _bad_pdfs(folder: Path) -> dict[str, Path]:
    import pymupdf

    good = make.make_report(folder / "good.pdf").read_bytes()
    files = {"truncated": good[: len(good) // 2], "corrupt": b"%PDF-1.7\n" + bytes(range(256)) * 8,
             "zero": b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                     b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"}
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    files["encrypted"] = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="pw", owner_pw="own")
    scan = pymupdf.open()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 40), False)
    pix.clear_with(200)
    scan.new_page().insert_image(pymupdf.Rect(50, 50, 300, 300), pixmap=pix)
    files["image-only"] = scan.tobytes()
    paths = {k: folder / f"{k}.pdf" for k in files}
    for k, data in files.items():
        paths[k].write_bytes(data)
    return paths


EXPECTED = {
    "truncated": "truncated PDF: the file ends early",
    "corrupt": "corrupt PDF: MuPDF cannot parse it",
    "zero": "PDF has no pages",
    "encrypted": "encrypted PDF: it needs a password",
    "image-only": "no text layer: all 1 page(s) are images only",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_bad_pdf_is_one_clear_input_error(tmp_path: Path, kind: str) -> None:
    path = _bad_pdfs(tmp_path)[kind]
    with pytest.raises(InputError, match=re.escape(EXPECTED[kind])) as info:
        extract_path(path)
    assert info.value.source == str(path)


def test_bad_pdfs_do_not_stop_the_batch(tmp_path: Path) -> None:
    bad = _bad_pdfs(tmp_path)
    args = ["extract", *map(str, bad.values()), str(tmp_path / "good.pdf")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("chunkcli: ")]
    assert len(errors) == len(bad)
    for kind, path in bad.items():
        assert any(line.startswith(f"chunkcli: {path}: {EXPECTED[kind]}") for line in errors)
    docs = result.stdout.splitlines()
    assert len(docs) == 1 and '"source":"' + str(tmp_path / "good.pdf") in docs[0]


def test_image_only_page_in_text_pdf_warns(tmp_path: Path) -> None:
    import pymupdf

    doc = pymupdf.open(FIXTURES / "report.pdf")
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 20, 20), False)
    doc.new_page().insert_image(pymupdf.Rect(50, 50, 200, 200), pixmap=pix)
    doc.save(tmp_path / "mixed.pdf")
    warnings: list[str] = []
    out = extract_path(tmp_path / "mixed.pdf", warnings)
    assert out.meta["pages"][4] == [len(out.text), len(out.text)]
    assert warnings == [f"{tmp_path / 'mixed.pdf'}: page(s) 5 have no text layer (images only); their content is missing"]


def test_long_pdf_streams(tmp_path: Path) -> None:
    doc = extract_path(make.make_big(tmp_path / "big.pdf", 120))
    assert len(doc.meta["pages"]) == 120
    assert "Page 7" not in doc.text and "Chunkcli Field Manual" not in doc.text
    assert doc.text[slice(*doc.meta["pages"][99])].startswith("Section 100.")


block_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(block_text, max_size=4), min_size=1, max_size=6))
def test_page_ranges_slice_assembled_text(pages_text: list[list[str]]) -> None:
    pages = _Pages(blocks=[[Block(0, 100 + 20 * i, 100, 110 + 20 * i, t) for i, t in enumerate(p) if t]
                           for p in pages_text], heights=[800.0] * len(pages_text))
    text, ranges = _assemble(pages)
    assert len(ranges) == len(pages_text)
    for (start, end), blocks in zip(ranges, pages.blocks):
        assert 0 <= start <= end <= len(text)
        assert text[start:end] == "\n\n".join(b.text for b in blocks)
