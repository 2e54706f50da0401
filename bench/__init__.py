"""`make bench`: the benchmark scenarios and their same-run baselines (see BENCHMARKS.md)."""
