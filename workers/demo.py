"""``make demo``: embedded broker → topics → a worker with every stage → samples → outputs as they arrive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from workers.broker import EmbeddedBroker
from workers.settings import Settings
from workers.stages import STAGE_IDS

OUTPUTS = ["content.enriched", "ranking.boost", "psa.attach", "content.review", "pipeline.dlq"]


def _summary(name: str, r: dict[str, Any]) -> str:
    """One readable line per output event."""
    if name == "content.enriched":
        lang = r["language"]
        topics = ", ".join(f"{t['topic']}({t['score']:.2f})" for t in r["topics"]) or "-"
        e2e = (r["enriched_at"] - r["uploaded_at"]).total_seconds()
        text = (r["transcript_text"][:60] + "…") if len(r["transcript_text"]) > 60 else r["transcript_text"]
        return (f"ENRICHED {r['video_id']:18} {r['region']} lang={lang['language']}({lang['confidence']:.2f} "
                f"via {'+'.join(lang['sources']) or '-'}) fides={'yes' if r['is_fides_creator'] else 'no'} "
                f"topics=[{topics}] transcript[{r['transcript_status']}]=\"{text}\" e2e={e2e:.1f}s")
    if name == "ranking.boost":
        return f"BOOST    {r['video_id']:18} x{r['factor']} topics={r['topics']} rule={r['rule_id']}"
    if name == "psa.attach":
        res = r["resource"]
        contact = res["phone"] or res["text"] or res["url"]
        return (f"PSA      {r['video_id']:18} {r['topic']} → {r['country']}/{r['language']}: "
                f"{res['organization']} {contact}{' (WHO fallback)' if r['is_fallback'] else ''}")
    if name == "content.review":
        return f"REVIEW   {r['video_id']:18} {r['reason']} topics={[t['topic'] for t in r['topics']]}"
    return f"DLQ      stage={r['stage']} reason={r['reason']} {r['error_message'][:100]}"


def _start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    return subprocess.Popen([sys.executable, "-m", "workers", "worker"], env=env,  # noqa: S603
                            stdout=log, stderr=subprocess.STDOUT)


def _watch(settings: Settings, expected: int, deadline: float, proc: subprocess.Popen[bytes]) -> int:
    """Print outputs until every sample has an enrichment (or a dead letter); return how many did.

    Reads the output topics in short passes (skipping what was printed) so it can stop soon after the
    last enrichment, yet still print the boosts and PSAs that land just after it.
    """
    from workers.tail import decoded_records

    seen: set[tuple[str, int, int]] = set()
    enriched: set[str] = set()
    dead = 0
    drain_until: float | None = None
    while time.time() < (drain_until or deadline) and proc.poll() is None:
        for name, record, message in decoded_records(settings, OUTPUTS, timeout_s=1.0):
            position = (name, message.partition, message.offset)
            if record is None or position in seen:
                continue
            seen.add(position)
            print(_summary(name, record), flush=True)
            if name == "content.enriched":
                enriched.add(record["video_id"])
            dead += name == "pipeline.dlq"
        if drain_until is None and len(enriched) + dead >= expected:
            drain_until = time.time() + 3.0
    return len(enriched) + dead


def run_demo(settings: Settings, timeout_s: float = 170.0, keep_running: bool = False) -> int:
    """Run the whole pipeline on the embedded broker and print its outputs; 0 when every sample came out."""
    from workers.contracts.admin import apply_topics_for
    from workers.samples import publish_samples

    data_dir = Path(settings.worker.data_dir) / f"demo-{os.getpid()}"
    (data_dir / "media").mkdir(parents=True, exist_ok=True)
    demo = settings.with_overrides(media_root=data_dir / "media", data_dir=data_dir, replication_factor=1,
                                   stages=STAGE_IDS)
    host, _, port = demo.kafka.bootstrap_servers.rpartition(":")
    started = time.time()
    print(f"starting the embedded broker on {demo.kafka.bootstrap_servers} …", flush=True)
    with EmbeddedBroker(port=int(port), host=host, log_path=data_dir / "broker.log"):
        print("\n".join(apply_topics_for(demo).lines()))
        print(f"starting a worker (all stages; log: {data_dir / 'worker.log'}) …", flush=True)
        worker = _start_worker(demo.to_env(), data_dir / "worker.log")
        try:
            expected = len(publish_samples(demo))
            print(f"waiting for {expected} enrichment events (first run also assembles the Whisper model) …\n")
            seen = _watch(demo, expected, started + timeout_s, worker)
            print(f"\n{seen}/{expected} uploads enriched in {time.time() - started:.0f} s.")
            print(f"metrics: curl -s http://127.0.0.1:{demo.worker.web_port}/metrics | grep '^fides_'")
            if keep_running:
                print("broker and worker keep running; Ctrl-C stops both.", flush=True)
                signal.sigwait({signal.SIGINT, signal.SIGTERM})
            return 0 if seen >= expected else 1
        finally:
            print("stopping the worker and the broker …", flush=True)
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
