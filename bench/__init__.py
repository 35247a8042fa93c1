"""Benchmarks: `python -m bench` (or `make bench`).

Every figure is printed next to a baseline measured in the same run, as a ratio: this machine is
shared and noisy, and an absolute time alone says little."""
