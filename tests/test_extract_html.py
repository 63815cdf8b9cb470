"""HTML extraction: structure kept as Markdown, boilerplate dropped, metadata and heading ranges."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkcli.extract import ExtractOptions, extract_item
from chunkcli.inputs import InputItem

HTML = Path(__file__).resolve().parent.parent / "fixtures" / "html"


def extract(name_or_bytes: str | bytes, favor: str | None = "precision", warnings: list | None = None):
    data = name_or_bytes if isinstance(name_or_bytes, bytes) else (HTML / name_or_bytes).read_bytes()
    item = InputItem("page.html", lambda: data)
    sink = warnings if warnings is not None else []
    return extract_item(item, ExtractOptions(favor=favor), sink.append)


def shingles(text: str, n: int = 4) -> Counter:
    """4-gram shingles of \\w+ tokens: the article-body F1 of public extraction benchmarks."""
    toks = re.findall(r"\w+", text)
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)))


def precision_recall(gold: str, pred: str) -> tuple[float, float]:
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    return tp / max(1, sum(p.values())), tp / max(1, sum(g.values()))


def gold_of(name: str) -> str:
    """The article body: elements marked data-gold, else the <article> minus its byline."""
    from lxml import html

    tree = html.fromstring((HTML / name).read_bytes())
    for el in tree.xpath("//math"):  # MathML token soup; the extractor gives TeX instead
        el.drop_tree()
    marked = tree.xpath("//*[@data-gold]")
    if marked:
        return "\n".join(" ".join(el.itertext()) for el in marked)
    article = tree.find(".//article")
    for el in article.xpath(".//*[contains(@class,'byline')] | .//h1"):
        el.getparent().remove(el)
    return " ".join(article.itertext())


# article.html loses a little to Markdown it adds on purpose (list numbers, TeX, the title, fence language).
@pytest.mark.parametrize("name,floor", [("article.html", 0.95), ("news.html", 0.99)])
def test_main_text_precision_and_recall(name: str, floor: float) -> None:
    precision, recall = precision_recall(gold_of(name), extract(name).text)
    assert recall >= floor, recall
    assert precision >= floor - 0.04, precision


@pytest.mark.parametrize("name,boilerplate", [
    ("article.html", ["Share on Twitter", "Related articles", "Great article", "Privacy policy", "7 min read",
                      "Subscribe", "Pin it"]),
    ("news.html", ["cookies", "Most read", "newsletter", "floodwatcher", "Follow her", "Advertise", "Read more",
                   "Topics:"]),
    ("tricky.html", ["tracking", "Popular posts", "Impressum", "Log in"]),
])
def test_boilerplate_is_dropped(name: str, boilerplate: list[str]) -> None:
    text = extract(name).text
    assert [b for b in boilerplate if b in text] == []


def test_structure_is_markdown() -> None:
    text = extract("article.html").text
    assert "## Choosing M" in text and "### Measuring recall" in text
    assert "- M = 16 is a sound default for sentence embeddings." in text
    assert "2. Build the graph with ef_construction at least twice M." in text  # no `\_` escapes
    assert "| ef | Recall@10 | Latency (ms) |\n|---|---|---|\n| 16 | 0.871 | 0.42 |" in text
    assert "> An index you cannot rebuild" in text
    assert "$s(u,v) = \\frac{u \\cdot v}{\\|u\\| \\|v\\|}$" in text


def test_code_blocks_keep_whitespace_and_language() -> None:
    text = extract("article.html").text
    assert "```python\nimport hnswlib\n\ndef build(vectors, m=16):\n    index = hnswlib" in text
    tricky = extract("tricky.html").text
    assert "```\ndef fib(n):\n    if n < 2:\n        return n\n\n    return fib(n - 1)" in tricky
    assert "```\n$ make install\n$ make test\n  ok: 42 passed\n```" in tricky  # <br> lines, indent kept
    assert "`snake_case_name`" in tricky


def test_tables_and_formulas_on_tricky_page() -> None:
    text = extract("tricky.html").text
    assert "| trafilatura | 120 | a \\| b |" in text  # a literal pipe stays inside its cell
    assert "Throughput by extractor\n\n| Extractor |" in text  # caption is a paragraph, not a row
    assert "$e^{i\\pi} + 1 = 0$" in text and "$$E = mc^2$$" in text
    assert "$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$" in text  # MathJax script source


def test_metadata() -> None:
    doc = extract("article.html")
    assert doc.title == "Tuning HNSW for Retrieval" and doc.lang == "en"
    m = doc.meta
    assert (m["author"], m["date"], m["site"]) == ("Ada Okafor", "2024-03-18", "The Vector Journal")
    assert m["url"] == "https://vectorjournal.example/posts/tuning-hnsw" and m["language"] == "en"
    assert extract("tricky.html").lang == "de"


def test_heading_ranges_point_into_text() -> None:
    doc = extract("article.html")
    heads = doc.meta["headings"]
    assert [(h[2], h[3]) for h in heads] == [(1, "Tuning HNSW for Retrieval"), (2, "Choosing M"),
                                             (2, "Choosing ef"), (3, "Measuring recall")]
    for start, end, level, title in heads:
        assert doc.text[start:end].startswith("#" * level + " " + title)
    choosing_m = heads[1]
    assert doc.text[choosing_m[0]:choosing_m[1]].rstrip().endswith("at twice the memory.")
    assert heads[0][1] == len(doc.text)


def test_favor_recall_keeps_more() -> None:
    precise, recall = extract("news.html", "precision").text, extract("news.html", "recall").text
    assert len(recall) >= len(precise)
    assert "Farmers along the valley" in recall


def test_whole_page_fallback_is_reported() -> None:
    warnings: list[str] = []
    page = (b"<html><head><style>p {}</style></head><body><div class='footer'>Opening hours: Monday to Friday."
            b"</div><script>var a = 1;</script></body></html>")
    doc = extract(page, warnings=warnings)
    assert doc.text == "Opening hours: Monday to Friday."
    assert warnings == ["page.html: no main content found; using the whole page text"]


def test_page_without_text_is_an_input_error() -> None:
    from chunkcli.errors import InputError

    with pytest.raises(InputError, match="page.html: no text in HTML page"):
        extract(b"<html><body><img src='x.png'></body></html>")


def test_bad_favor_is_a_usage_error() -> None:
    from chunkcli.errors import UsageError

    with pytest.raises(UsageError, match="--favor"):
        extract("news.html", favor="more")


nasty = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0<>&"), min_size=1, max_size=80)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), nasty), min_size=1, max_size=6))
def test_headings_stay_in_bounds_on_nasty_text(blocks: list[tuple[bool, str]]) -> None:
    body = "".join(f"<h2>{t}</h2>" if is_head else f"<p>{t}</p>" for is_head, t in blocks)
    try:
        doc = extract(f"<html><body><article>{body}</article></body></html>".encode(), warnings=[])
    except Exception as exc:  # only a clean "no text" error is acceptable
        assert "no text" in str(exc)
        return
    for start, end, level, title in doc.meta["headings"]:
        assert 0 <= start <= end <= len(doc.text)
        assert doc.text[start:end].startswith("#" * level + " " + title)
    json.dumps(doc.to_dict(), ensure_ascii=False)
