"""Offline benchmarks (entry points writing results/*.json and *.md); never imported by the workers."""
