"""Benchmarks behind ``retouch bench``: they print numbers and ratios, they assert nothing."""
