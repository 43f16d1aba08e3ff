"""The garbage collector in a long-running worker: its pauses measured, the start-up heap frozen.

CPython's full (generation 2) collection walks every tracked object. A worker's start-up heap — Faust,
aiokafka, the sentence encoder, the language profiles, the lexicons — is ~200k objects that live until
exit, so each full collection stalls the event loop for ~0.14 s (measured on the fused light hop, then with
the former torch encoder), and every event waiting in that batch inherits the stall: it is the latency
tail. ``gc.freeze()`` after start-up moves those objects to a permanent generation that collections skip
(what Instagram does for its pre-fork servers); objects created later are collected as before.
"""

from __future__ import annotations

import gc
import logging
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

log = logging.getLogger("workers.heap")
LONG_PAUSE_S = 0.05  # a fides_gc_pause_seconds bucket bound: pauses above it are counted apart


def freeze_startup_heap() -> int:
    """Collect once, then exempt every surviving object from later collections; returns how many."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("froze %d start-up objects out of garbage collection", frozen)
    return frozen


def watch_pauses(observe: Callable[[int, float], None]) -> Callable[[str, dict[str, Any]], None]:
    """Report each collection's generation and pause (seconds) to ``observe``; returns the gc callback."""
    started = [0.0]

    def on_collection(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            observe(int(info["generation"]), time.perf_counter() - started[0])

    gc.callbacks.append(on_collection)
    return on_collection


def pause_summary(exposition: str) -> dict[str, dict[str, float]]:
    """Collections, total and mean pause, and pauses over 50 ms per generation, from a /metrics text."""
    out: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(exposition):
        if family.name != "fides_gc_pause_seconds":
            continue
        for sample in family.samples:
            entry = out.setdefault(sample.labels["generation"], {})
            if sample.name.endswith("_count"):
                entry["collections"] = sample.value
            elif sample.name.endswith("_sum"):
                entry["pause_s"] = sample.value
            elif sample.name.endswith("_bucket") and float(sample.labels["le"]) == LONG_PAUSE_S:
                entry["within_long"] = sample.value
    for entry in out.values():
        entry["mean_ms"] = 1000 * entry.get("pause_s", 0.0) / max(entry.get("collections", 0.0), 1.0)
        entry["over_50ms"] = entry.get("collections", 0.0) - entry.pop("within_long", 0.0)
    return out


def worker_exposition(port: int, host: str = "127.0.0.1") -> str:
    """A running worker's /metrics text."""
    with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=10) as response:  # noqa: S310
        return response.read().decode("utf-8")


def worker_pauses(port: int, host: str = "127.0.0.1") -> dict[str, dict[str, float]]:
    """``pause_summary`` of a running worker's /metrics."""
    return pause_summary(worker_exposition(port, host))
