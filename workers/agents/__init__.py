"""Thin Faust-facing stage handlers: decode → core → encode → emit (the runner in workers.stage does the rest)."""
