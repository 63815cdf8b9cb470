"""Benchmarks: each `bench_<area>.py` has `run(data: Path) -> str` returning a Markdown section."""
