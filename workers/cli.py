"""Command line: ``python -m workers <command>`` (also installed as ``fides-workers``).

Pipeline commands run against Kafka; the offline commands (transcribe, detect-language, tag) run the SAME
core functions as the stages and print one JSON object per input line, for backfills, debugging and
evaluation.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workers.audit import add_audit_arguments
from workers.errors import PipelineError
from workers.jsonl import to_json
from workers.settings import Settings, settings_doc_markdown
from workers.stages import STAGE_IDS


def _stdin_lines() -> Iterator[str]:
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line.strip():
            yield line


# -- pipeline commands --------------------------------------------------------------------------------------


def cmd_broker(args: argparse.Namespace, settings: Settings) -> int:
    """Run the embedded broker in the foreground until Ctrl-C."""
    import signal

    from workers.broker import EmbeddedBroker

    host, _, port = settings.kafka.bootstrap_servers.split(",")[0].rpartition(":")
    with EmbeddedBroker(port=int(port), host=host or "127.0.0.1") as broker:
        print(f"embedded broker (Tansu, in-memory) on {broker.bootstrap_servers}; Ctrl-C stops it", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    return 0


def cmd_topics(args: argparse.Namespace, settings: Settings) -> int:
    """Create or reconcile topics from topics.yaml; print what was done and any drift."""
    from workers.contracts.admin import apply_topics_for
    from workers.runtime import Runtime

    if args.action == "list":
        from workers.contracts.topics import topic_table_markdown

        print(topic_table_markdown(Runtime.create(settings).catalog))
        return 0
    report = apply_topics_for(settings)
    print("\n".join(report.lines()))
    return 1 if report.drift and args.strict else 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run a worker with the chosen stages."""
    from workers.worker import run_worker

    return run_worker(settings)


def cmd_produce_samples(args: argparse.Namespace, settings: Settings) -> int:
    """Publish the sample Fides creators and uploads."""
    from workers.samples import publish_samples

    for upload in publish_samples(settings):
        print(f"published {upload['video_id']} ({upload['region']}) event_id={upload['event_id']}")
    return 0


def cmd_tail(args: argparse.Namespace, settings: Settings) -> int:
    """Print a topic's records as decoded JSON lines."""
    from workers.tail import tail

    for line in tail(settings, args.topic, max_records=args.max, timeout_s=args.timeout):
        print(line, flush=True)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Broker + topics + worker + samples, printing every output as it arrives."""
    from workers.demo import run_demo

    return run_demo(settings, timeout_s=args.timeout, keep_running=args.keep_running)


# -- offline commands -----------------------------------------------------------------------------------------


def cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    """Transcribe local audio files with the stage's core; one JSON object per file."""
    from workers.offline import transcribe_files

    for result in transcribe_files(settings, [Path(p) for p in args.files]):
        print(to_json(result), flush=True)
    return 0


def cmd_detect_language(args: argparse.Namespace, settings: Settings) -> int:
    """One text per stdin line → the language decision as JSON."""
    from workers.language.loader import load_core

    detector = load_core(settings)
    for line in _stdin_lines():
        print(to_json({"text": line, **detector.detect_text(line).to_record()}), flush=True)
    return 0


def cmd_tag(args: argparse.Namespace, settings: Settings) -> int:
    """Stdin JSONL with text (and optional lang, caption, hashtags) → topics with score and evidence."""
    from workers.offline import tag_lines

    for result in tag_lines(settings, _stdin_lines()):
        print(to_json(result), flush=True)
    return 0


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    """Print the settings (secrets masked) or the README table."""
    print(settings_doc_markdown() if args.markdown else to_json(settings.masked()), end="" if args.markdown else "\n")
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Report uploads with no terminal answer after the grace period (exit 1 if any)."""
    from workers.audit import run_audit_command

    return run_audit_command(settings, args)


def cmd_dlq(args: argparse.Namespace, settings: Settings) -> int:
    """Inspect or replay dead letters."""
    from workers.dlq import run_dlq_command

    return run_dlq_command(settings, args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (documented in the README)."""
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("broker", help="run the embedded Kafka-compatible broker").set_defaults(fn=cmd_broker)
    topics = sub.add_parser("topics", help="create/reconcile topics from topics.yaml")
    topics.add_argument("action", choices=["apply", "list"])
    topics.add_argument("--strict", action="store_true", help="exit 1 when drift is found")
    topics.set_defaults(fn=cmd_topics)
    worker = sub.add_parser("worker", help="run a worker")
    worker.add_argument("--stages", help=f"comma-separated subset of {','.join(STAGE_IDS)} (default: STAGES)")
    worker.set_defaults(fn=cmd_worker)
    sub.add_parser("produce-samples", help="publish the sample uploads").set_defaults(fn=cmd_produce_samples)
    tail = sub.add_parser("tail", help="print a topic as decoded JSON")
    tail.add_argument("topic")
    tail.add_argument("--max", type=int, default=None, help="stop after N records")
    tail.add_argument("--timeout", type=float, default=None, help="stop after N idle seconds")
    tail.set_defaults(fn=cmd_tail)
    demo = sub.add_parser("demo", help="everything on the embedded broker, printing the outputs")
    demo.add_argument("--timeout", type=float, default=170.0)
    demo.add_argument("--keep-running", action="store_true", help="keep broker and worker up until Ctrl-C")
    demo.set_defaults(fn=cmd_demo)
    transcribe = sub.add_parser("transcribe", help="offline: transcribe audio files")
    transcribe.add_argument("files", nargs="+")
    transcribe.set_defaults(fn=cmd_transcribe)
    sub.add_parser("detect-language", help="offline: stdin lines → language").set_defaults(fn=cmd_detect_language)
    sub.add_parser("tag", help="offline: stdin JSONL → health topics").set_defaults(fn=cmd_tag)
    settings_cmd = sub.add_parser("settings", help="print settings (secrets masked)")
    settings_cmd.add_argument("--markdown", action="store_true")
    settings_cmd.set_defaults(fn=cmd_settings)
    dlq = sub.add_parser("dlq", help="inspect / replay dead letters")
    dlq.add_argument("action", choices=["inspect", "replay"])
    dlq.add_argument("--stage")
    dlq.add_argument("--reason")
    dlq.add_argument("--since", help="ISO time or epoch ms: only records failed at/after this")
    dlq.add_argument("--until", help="ISO time or epoch ms: only records failed before this")
    dlq.add_argument("--show", type=int, default=0, help="inspect: print N matching records")
    dlq.add_argument("--execute", action="store_true", help="replay: really publish (default is a dry run)")
    dlq.add_argument("--timeout", type=float, default=5.0, help="stop reading after N idle seconds")
    dlq.set_defaults(fn=cmd_dlq)
    audit = sub.add_parser("audit", help="uploads with no terminal answer after a grace period (exit 1 if any)")
    add_audit_arguments(audit)
    audit.set_defaults(fn=cmd_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    overrides: dict[str, Any] = {"stages": tuple(s.strip() for s in args.stages.split(",") if s.strip())} \
        if getattr(args, "stages", None) else {}
    try:
        settings = Settings.from_env(None, **overrides)
    except ValueError as exc:
        print(f"error (settings): {exc}", file=sys.stderr)
        return 2
    if args.command not in ("worker",):
        logging.basicConfig(level=settings.worker.log_level, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # kafka-python narrates every connection at INFO and warns about its own slow selector tasks
        logging.getLogger("kafka").setLevel(logging.ERROR)
    try:
        return int(args.fn(args, settings) or 0)
    except PipelineError as exc:
        print(f"error ({exc.reason}): {exc}", file=sys.stderr)
        return 2
