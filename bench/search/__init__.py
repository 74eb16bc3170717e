"""The search benchmark's parts, run by bench/bench_search.py: the data, the figures, the section."""
