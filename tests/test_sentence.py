"""`--by sentence` and `--by punct`: offsets, scores, golden cases, bad input, dev-set floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chunkcli.boundaries import gold_path, load_gold, score
from chunkcli.cli import app
from chunkcli.records import Document
from chunkcli.segment import SegmentOptions, get_strategy, segment_document

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "sentences" / "golden_rules.jsonl"
STRATEGIES = ("sentence", "punct")

NASTY = st.lists(
    st.sampled_from(list("abc XYZ.!?\n\r\t\0…。！？中文字😀é\u0301\"'()-:\u2028\u2029\f")
                    + ["\r\n", "Dr. ", "3.5", "x" * 500, "http://a.b/c ", " www.d.e"]),
    max_size=120,
).map("".join)


def sentences(text: str, strategy: str = "sentence", **opts) -> list[str]:
    doc = Document(source="t", text=text)
    units = get_strategy(strategy).units(doc, SegmentOptions(**opts), None)
    return [text[u.start:u.end] for u in units]


@pytest.mark.parametrize("strategy", STRATEGIES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=NASTY)
def test_offsets_slice_the_text_exactly(strategy: str, text: str, counter) -> None:
    doc = Document(source="nasty", text=text)
    for cap in (0, 16):
        chunks = list(segment_document(doc, strategy, SegmentOptions(max_tokens=cap, strategy=strategy), counter))
        assert all(doc.text[c.start:c.end] == c.text and c.text.strip() for c in chunks)
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
        assert all(cap == 0 or c.n_tokens <= cap for c in chunks)


@pytest.mark.parametrize("strategy", (*STRATEGIES, "punct-fast"))
@pytest.mark.parametrize("eol", ["\r", "\r\n", "\u2028", "\f"])
def test_every_kind_of_line_break_is_a_line_break(strategy: str, eol: str) -> None:
    lines = ["Shopping list", "apples", "bananas", "", "Notes", "call mom", "buy milk"]
    want = sentences("\n".join(lines), strategy)
    got = sentences(eol.join(lines), strategy)
    assert [s.replace(eol, "\n") for s in got] == want


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_units_cover_every_non_space_character(strategy: str) -> None:
    text = "First one. Second one!\n\nThird, with 3.5 kg… Fourth?  "
    got = sentences(text, strategy)
    assert "".join("".join(got).split()) == "".join(text.split())


def test_golden_rules_at_least_45_of_48() -> None:
    cases = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert len(cases) == 48
    failed = [c["id"] for c in cases if sentences(c["text"]) != c["sentences"]]
    assert len(cases) - len(failed) >= 45, failed


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("text", ["", "   \n\n ", "... !!! ???", "12 34 56", "a" * 50_000, "日本語とEnglish。混在 text! ok"])
def test_bad_input_gives_sane_units(strategy: str, text: str) -> None:
    got = sentences(text, strategy)
    assert all(s.strip() for s in got)
    assert "".join("".join(got).split()) == "".join(text.split())


def test_scores_are_probabilities_and_threshold_cuts_fewer() -> None:
    text = "we went home then we ate dinner it was late so we slept the next day was sunny"
    doc = Document(source="t", text=text)
    strat = get_strategy("punct")
    low = list(strat.units(doc, SegmentOptions(threshold=0.05), None))
    high = list(strat.units(doc, SegmentOptions(threshold=0.95), None))
    assert len(high) <= len(low)
    assert all(0.0 <= u.meta["score"] <= 1.0 for u in low)


def test_packed_chunks_end_at_sentence_ends(counter) -> None:
    text = " ".join(f"Sentence number {i} talks about topic {i % 7}." for i in range(60))
    doc = Document(source="t", text=text)
    ends = {u.end for u in get_strategy("sentence").units(doc, SegmentOptions(), counter)}
    chunks = list(segment_document(doc, "sentence", SegmentOptions(max_tokens=40, strategy="sentence"), counter))
    assert len(chunks) > 1 and all(c.end in ends and c.n_tokens <= 40 for c in chunks)
    assert all("score" in c.meta and c.meta["units"] >= 1 for c in chunks)


def test_a_sentence_over_the_cap_is_cut_and_only_its_last_piece_scores_its_end(counter) -> None:
    text = "The quick brown fox jumps over the lazy dog again and again and again. Short one."
    doc = Document(source="t", text=text)
    chunks = list(segment_document(doc, "sentence", SegmentOptions(max_tokens=5, strategy="sentence"), counter))
    split = [c for c in chunks if c.meta.get("split")]
    assert len(split) > 2 and split[-1].text.endswith("again.") and split[-1].meta["score"] > 0.5
    assert all(c.meta["score"] == 0.0 for c in split[:-1]) and chunks[-1].text == "Short one."


def test_cli_one_sentence_per_record_with_score(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("The cat sat. Then it left.\nA new line", encoding="utf-8")
    result = CliRunner().invoke(app, ["segment", str(src), "--by", "sentence", "--max-tokens", "0"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == ["The cat sat.", "Then it left.", "A new line"]
    assert all(r["strategy"] == "sentence" and 0 <= r["meta"]["score"] <= 1 for r in records)


@pytest.mark.parametrize("strategy,variant,floor", [
    ("sentence", "structured", 94.8), ("sentence", "flat", 88.8), ("punct", "structured", 89.0),
    ("punct", "corrupted", 48.0),
])
def test_dev_set_quality_floors(shared_data: Path, strategy: str, variant: str, floor: float) -> None:
    g = load_gold(gold_path(shared_data / "seg" / "ud", "en_ewt.dev", variant))
    got = get_strategy(strategy).units(Document(source="dev", text=g.text), SegmentOptions(), None)
    assert score(g.text, g.ends, [u.end for u in got]).f1 >= floor
