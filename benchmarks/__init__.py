"""Benchmark scripts: `python benchmarks/run.py` prints a Markdown table and writes benchmarks/results/."""
