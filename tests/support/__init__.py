"""Reusable helpers for the test tiers (real Prometheus server, …)."""
