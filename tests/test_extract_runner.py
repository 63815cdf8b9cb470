"""--jobs and --timeout: worker processes, killed on timeout or crash, output in input order."""

from __future__ import annotations

import functools
import os
import time

import pytest

from chunkcli.errors import InputError
from chunkcli.extract import ExtractOptions
from chunkcli.extract.base import register
from chunkcli.extract.runner import extract_all
from chunkcli.inputs import InputItem
from chunkcli.records import Document


@register("test-behaviour")
def _behaving(item: InputItem, data: bytes, opts: ExtractOptions, warn) -> Document:
    """A stand-in extractor whose input says what to do: hang, crash, fail, warn, or sleep a little."""
    text = data.decode()
    if text == "hang":
        time.sleep(60)
    if text == "crash":
        os._exit(3)
    if text == "fail":
        raise InputError(item.source, "bad input")
    if text.startswith("sleep"):
        time.sleep(float(text.split()[1]))
    warn(f"{item.source}: seen")
    return Document(source=item.source, text=text)


def run(contents: list[str], jobs: int, timeout: float | None = None):
    items = [InputItem(f"in{i}", functools.partial(bytes, c.encode())) for i, c in enumerate(contents)]
    warnings: list[str] = []
    errors: list[str] = []
    opts = ExtractOptions(format="test-behaviour", jobs=jobs, timeout=timeout)
    docs = list(extract_all(items, opts, warnings.append, lambda e: errors.append(str(e))))
    return [d.source for d in docs], errors, warnings


def test_parallel_output_keeps_input_order() -> None:
    contents = [f"sleep {0.05 * ((7 * i) % 5)}" for i in range(12)]
    sources, errors, warnings = run(contents, jobs=3)
    assert sources == [f"in{i}" for i in range(12)] and errors == []
    assert warnings == [f"in{i}: seen" for i in range(12)]


def test_timeout_kills_one_input_and_the_batch_goes_on() -> None:
    t0 = time.monotonic()
    sources, errors, _ = run(["ok one", "hang", "ok two", "fail", "ok three"], jobs=2, timeout=1.5)
    assert time.monotonic() - t0 < 20
    assert sources == ["in0", "in2", "in4"]
    assert errors == ["in1: timed out after 1.5 s; skipped (raise --timeout)", "in3: bad input"]


def test_crashing_worker_is_reported_and_replaced() -> None:
    sources, errors, _ = run(["ok", "crash", "ok again"], jobs=1, timeout=30)
    assert sources == ["in0", "in2"]
    assert errors == ["in1: extractor crashed (worker exit code 3); skipped"]


@pytest.mark.parametrize("jobs", [1, 3])
def test_same_documents_serial_and_parallel(jobs: int) -> None:
    contents = ["alpha", "fail", "beta", "gamma"]
    assert run(contents, jobs=jobs, timeout=10)[:2] == run(contents, jobs=1)[:2]
