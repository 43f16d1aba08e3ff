"""Per-upload time breakdown for speech, music-only, silent, reused-sound and text-only uploads.

One worker runs every stage; uploads are sent one at a time (the next after the previous one's
enrichment), so the numbers are service times, not queueing. Speech clips come from the shared speech
manifest and music/silence are generated (bench.clips), all staged in a scratch media directory
at run time. Per upload: each stage's work and each Kafka hop (breakdown.decompose), plus the transcript's
``processing_ms`` and ``cache_hit`` from uploads.transcribed.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench import harness
from bench.breakdown import decompose, median_parts
from bench.clips import load_manifest, music, pick_clips, silence, wav_bytes
from bench.light import publish_creators, worker_launches
from workers.runtime import Runtime
from workers.settings import Settings

KINDS = ("speech", "music", "silent", "reused", "text")


def stage_media(shared_dir: Path, media: Path, speech_clips: int) -> list[tuple[str, str | None, str]]:
    """(kind, audio file or None, caption) per upload, in sending order; files written under ``media``."""
    media.mkdir(parents=True, exist_ok=True)
    plan: list[tuple[str, str | None, str]] = [("warmup", None, "warm-up upload, not measured")]
    clips = pick_clips(load_manifest(shared_dir), speech_clips)
    for clip in clips:
        target = media / f"{clip.id}{clip.path.suffix}"
        shutil.copyfile(clip.path, target)
        plan.append(("speech", str(target), ""))
    for i in range(2):
        (media / f"music{i}.wav").write_bytes(wav_bytes(music(10.0, i)))
        (media / f"silence{i}.wav").write_bytes(wav_bytes(silence(8.0, i)))
        plan += [("music", str(media / f"music{i}.wav"), "dance challenge"),
                 ("silent", str(media / f"silence{i}.wav"), "")]
    first = media / f"{clips[0].id}{clips[0].path.suffix}"
    for i in range(2):  # a re-upload of the same sound under a new file name: same decoded audio
        copy = media / f"reuse{i}{first.suffix}"
        shutil.copyfile(first, copy)
        plan.append(("reused", str(copy), ""))
    plan += [("text", None, c) for c in ("Tips for managing anxiety and stress at work",
                                         "Lagi overthinking terus, kesehatan mental aku lagi nggak baik",
                                         "Receta fácil de pastel de chocolate")]
    return plan


def _upload(i: int, kind: str, path: str | None, caption: str, run: str) -> dict[str, Any]:
    return {"event_id": f"{run}-{i}", "video_id": f"{run}-{kind}-{i}", "creator_id": f"user-{i}",
            "uploaded_at": int(time.time() * 1000), "region": "US", "audio_uri": f"file://{path}" if path else None,
            "duration_ms": None, "caption": caption, "hashtags": [], "declared_language": None}


async def _send_one(settings: Settings, runtime: Runtime, upload: dict[str, Any],
                    enriched: harness.Watcher, timeout_s: float) -> bool:
    key = upload["video_id"].encode()
    value = runtime.serde.encode(runtime.catalog["uploads.new"].value_schema, upload)
    await harness.produce(settings.kafka.bootstrap_servers, settings.topic("uploads.new"), [(key, value)])
    return await enriched.wait_for_keys({key}, timeout_s)


async def run_per_upload(settings: Settings, plan: list[tuple[str, str | None, str]], logs: Path,
                         timeout_s: float = 180.0) -> dict[str, Any]:
    """Send each planned upload alone and decompose its enrichment's timings."""
    await publish_creators(settings)
    runtime = Runtime.create(settings)
    argv, env = worker_launches(settings, harness.ALL_STAGES, 1)[0]
    proc = harness.start_process(argv, env, logs / f"{settings.kafka.app_id}-per-upload.log")
    await harness.wait_ready([int(env["WEB_PORT"])], [proc], timeout_s)
    enriched = await harness.Watcher(settings.kafka.bootstrap_servers, settings.topic("content.enriched")).start()
    transcribed = await harness.Watcher(settings.kafka.bootstrap_servers, settings.topic("uploads.transcribed")).start()
    rows = []
    try:
        for i, (kind, path, caption) in enumerate(plan):
            upload = _upload(i, kind, path, caption, settings.kafka.app_id)
            ok = await _send_one(settings, runtime, upload, enriched, timeout_s if i else timeout_s + 120)
            print(f"  per-upload {kind}: {'ok' if ok else 'TIMEOUT'}", file=sys.stderr)
            rows.append({"kind": kind, "video_id": upload["video_id"], "ok": ok})
        await asyncio.sleep(1.0)
    finally:
        await enriched.stop()
        await transcribed.stop()
        harness.stop_processes([proc])
    return summarize(runtime, rows, enriched.records, transcribed.records)


def summarize(runtime: Runtime, rows: list[dict[str, Any]], enriched: list[harness.Record],
              transcribed: list[harness.Record]) -> dict[str, Any]:
    """Median parts per upload kind, with transcript processing_ms and cache hits."""
    enrich_schema = runtime.catalog["content.enriched"].value_schema
    transcript_schema = runtime.catalog["uploads.transcribed"].value_schema
    parts = {r.key: decompose(runtime.serde.decode(enrich_schema, r.value), r.timestamp_ms) for r in enriched}
    transcripts = {r.key: runtime.serde.decode(transcript_schema, r.value)["transcript"] for r in transcribed}
    out: dict[str, Any] = {}
    for kind in KINDS:
        keys = [row["video_id"].encode() for row in rows if row["kind"] == kind and row["ok"]]
        found = [parts[k] for k in keys if k in parts]
        out[kind] = {
            "uploads": len(found),
            "median_ms": median_parts(found) if found else {},
            "transcript": [{"status": transcripts[k]["status"], "processing_ms": transcripts[k]["processing_ms"],
                            "audio_duration_s": transcripts[k]["audio_duration_s"],
                            "cache_hit": transcripts[k]["cache_hit"]} for k in keys if k in transcripts],
        }
    return out
