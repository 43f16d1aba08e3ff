"""One frozen, typed settings object built once from the environment and passed in.

Every environment variable the workers read is declared here, with its default and meaning; the settings
page (docs/settings.md) is generated from these declarations (`python -m workers settings --markdown`).
Precedence: explicit keyword argument > environment variable > default.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from workers.logs import MASK
from workers.stages import STAGE_IDS

REPO_ROOT = Path(__file__).resolve().parents[1]
# topics.yaml and schemas/ ship inside the package (links to the top-level copies in a checkout).
CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"

# Settings with a fixed set of values: a value outside it stops the worker at start-up, naming the variable.
SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
Guarantee = Literal["at_least_once", "exactly_once"]
LogFormat = Literal["text", "json"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
AsrBackendName = Literal["faster-whisper", "openai-whisper"]
AsrDevice = Literal["cpu", "cuda", "auto"]
ComputeType = Literal["auto", "int8", "int8_float16", "float16", "float32"]


def _setting(env: str, default: Any, doc: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc, "secret": secret})


@dataclass(frozen=True)
class KafkaSettings:
    """Where the brokers are, how to authenticate, where the contracts live."""

    bootstrap_servers: str = _setting(
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092", "Kafka bootstrap servers, comma separated.")
    app_id: str = _setting(
        "APP_ID", "fides-enrichment", "Faust app id: the consumer group and the prefix of table changelogs.")
    topic_prefix: str = _setting(
        "TOPIC_PREFIX", "", "Prefix added to every topic name in topics.yaml (isolates tests / environments).")
    replication_factor: int = _setting(
        "REPLICATION_FACTOR", 0, "Replication factor for topics apply; 0 = the value in topics.yaml.")
    security_protocol: SecurityProtocol = _setting(
        "KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.")
    sasl_mechanism: SaslMechanism = _setting("KAFKA_SASL_MECHANISM", "", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.")
    sasl_username: str = _setting("KAFKA_SASL_USERNAME", "", "SASL user name.")
    sasl_password: str = _setting("KAFKA_SASL_PASSWORD", "", "SASL password (never logged).", secret=True)
    ssl_cafile: str = _setting("KAFKA_SSL_CAFILE", "", "CA bundle for TLS to the brokers.")
    schema_registry_url: str = _setting(
        "SCHEMA_REGISTRY_URL", "", "Confluent Schema Registry URL; empty = committed ids in schemas/ids.json.")
    contracts_dir: Path = _setting(
        "CONTRACTS_DIR", CONTRACTS_DIR, "Directory holding topics.yaml and schemas/.")


@dataclass(frozen=True)
class DeliverySettings:
    """Delivery guarantee, failover and retry tuning."""

    processing_guarantee: Guarantee = _setting(
        "PROCESSING_GUARANTEE", "at_least_once",
        "at_least_once (default; outputs have deterministic ids) or exactly_once (Apache Kafka only).")
    session_timeout_s: float = _setting(
        "SESSION_TIMEOUT_S", 6.0,
        "Consumer session timeout: a dead worker's partitions move after this (+~5 s rebalance). 6 s is "
        "Apache Kafka's minimum; heartbeats run on Faust's consumer thread, so a busy loop is not evicted.")
    heartbeat_interval_s: float = _setting(
        "HEARTBEAT_INTERVAL_S", 1.5, "Consumer heartbeat interval (a quarter of the session timeout).")
    commit_interval_s: float = _setting(
        "COMMIT_INTERVAL_S", 1.0, "How often processed offsets are committed: bounds replay after a crash.")
    max_poll_interval_s: float = _setting(
        "MAX_POLL_INTERVAL_S", 300.0, "Longest allowed gap between polls before the group evicts a worker.")
    broker_request_timeout_s: float = _setting(
        "BROKER_REQUEST_TIMEOUT_S", 30.0, "Kafka request timeout.")
    fetch_max_wait_ms: int = _setting(
        "FETCH_MAX_WAIT_MS", 50,
        "Longest a fetch waits for data. The embedded broker holds every fetch this long (hop latency); "
        "Apache Kafka answers early, so raise it there (e.g. 500) to cut idle polling.")
    max_attempts: int = _setting(
        "MAX_ATTEMPTS", 3, "Attempts for a transient error before the event is dead-lettered.")
    retry_backoff_s: float = _setting("RETRY_BACKOFF_S", 0.5, "First retry delay; doubles per attempt.")


@dataclass(frozen=True)
class WorkerSettings:
    """What this process runs and how it batches, serves and logs."""

    stages: tuple[str, ...] = _setting(
        "STAGES", STAGE_IDS, "Comma-separated stages this process runs: transcribe,language,tag,route,registry.")
    stage_concurrency: int = _setting(
        "STAGE_CONCURRENCY", 1,
        "Concurrent events per light stage (language, tag, route); above 1 hides broker round trips but "
        "gives up per-partition order.")
    fuse_light_stages: bool = _setting(
        "FUSE_LIGHT_STAGES", True,
        "When one process runs language, tag and route, run them as one hop (uploads.transcribed -> "
        "outputs, intermediate records handed over in memory); their own agents still read uploads.language "
        "and uploads.tagged (replays, three-hop producers).")
    stage_batch_size: int = _setting(
        "STAGE_BATCH_SIZE", 256,
        "Most events a light stage takes at once: their outputs are sent together and acked by the broker "
        "once per batch, before any input of the batch is acked. 1 = one event at a time.")
    stage_batch_wait_ms: int = _setting(
        "STAGE_BATCH_WAIT_MS", 5, "Longest a light stage waits to fill a batch (added latency per hop).")
    gc_freeze: bool = _setting(
        "GC_FREEZE", True,
        "Freeze the start-up heap out of garbage collection once the worker is built: full collections "
        "then skip the models and lexicons (pause 137 -> 27 ms in the heap benchmark).")
    web_port: int = _setting("WEB_PORT", 6066, "Port of /metrics, /livez and /readyz.")
    web_host: str = _setting("WEB_HOST", "0.0.0.0", "Interface the web server binds.")  # noqa: S104
    lag_refresh_s: float = _setting("LAG_REFRESH_S", 10.0, "Seconds between consumer-lag gauge refreshes.")
    log_format: LogFormat = _setting("LOG_FORMAT", "text", "text or json (one object per line).")
    log_level: LogLevel = _setting("LOG_LEVEL", "INFO", "Python log level.")
    data_dir: Path = _setting(
        "DATA_DIR", Path("/tmp/fides-workers"), "Faust data directory (table state, one per worker).")  # noqa: S108


@dataclass(frozen=True)
class AsrSettings:
    """Transcription: backend, decoding, encoder window, VAD, model files, cache."""

    backend: AsrBackendName = _setting("ASR_BACKEND", "faster-whisper", "faster-whisper or openai-whisper.")
    device: AsrDevice = _setting("ASR_DEVICE", "cpu", "cpu, cuda or auto (CUDA when CTranslate2 sees one).")
    compute_type: ComputeType = _setting(
        "ASR_COMPUTE_TYPE", "auto", "auto (int8 on CPU, float16 on CUDA), int8, float16 or float32.")
    threads: int = _setting("ASR_THREADS", 2, "CPU threads per Whisper inference.")
    concurrency: int = _setting(
        "ASR_CONCURRENCY", 1, "Transcriptions running at once per process (off the event loop).")
    inflight: int = _setting(
        "TRANSCRIBE_INFLIGHT", 8,
        "Uploads the transcribe hop holds at once. Uploads without audio (or with a cached transcript) pass "
        "one in ASR instead of queueing behind it, and the output acks of several uploads overlap; ASR "
        "itself stays bounded by ASR_CONCURRENCY. Offsets are still committed in order; uploads.transcribed "
        "may list a partition's uploads in another order than uploads.new (one upload's events stay in "
        "order). 1 = one at a time.")
    beam_size: int = _setting(
        "ASR_BEAM_SIZE", 5,
        "Whisper beam size. 5 by measurement: on 15 real clips faster-whisper int8 beam 5 had WER 12.2 % vs "
        "16.3 % greedy at the same CPU s per audio s (results/asr_bench.md).")
    time_budget_s: float = _setting(
        "ASR_TIME_BUDGET_S", 120.0, "A clip taking longer than this is dead-lettered with reason timeout.")
    sized_context: bool = _setting(
        "ASR_SIZED_CONTEXT", True,
        "faster-whisper: encode a clip's first 30 s window cut to its speech (VAD speech end + "
        "ASR_CONTEXT_MARGIN_S, rounded up to 5 s steps) instead of padded to 30 s, and once instead of "
        "twice; a decode that looks degenerate is redone on the full window "
        "(fides_asr_context_fallbacks_total). 2.24x less CPU on 37 real clips of 4-13 s, no language worse "
        "by more than a point (results/asr_context.md). false = plain faster-whisper. openai-whisper "
        "always uses full windows (docs/asr.md).")
    context_margin_s: float = _setting(
        "ASR_CONTEXT_MARGIN_S", 3.0,
        "Seconds of window kept after the speech (ASR_SIZED_CONTEXT). 3 by measurement: 0.5-1 s made 3-5 "
        "of 37 clips loop (results/asr_context.md).")
    context_full_window_languages: tuple[str, ...] = _setting(
        "ASR_CONTEXT_FULL_WINDOW_LANGUAGES", ("fr", "pt"),
        "Languages (detected on the sized window) decoded on the full window anyway: fr and pt came out "
        "more than a point worse sized (one clip each, results/asr_context.md). Empty = size every "
        "language: ~3.1x less CPU, every language within +2 points.")
    max_audio_s: float = _setting("MAX_AUDIO_S", 60.0, "Only the first N seconds of audio are decoded.")
    max_audio_bytes: int = _setting("MAX_AUDIO_BYTES", 50_000_000, "Largest audio body fetched.")
    vad_enabled: bool = _setting("VAD_ENABLED", True, "Skip ASR for clips without speech (Silero VAD).")
    vad_threshold: float = _setting("VAD_THRESHOLD", 0.5, "Silero speech probability per 32 ms window.")
    vad_min_speech_s: float = _setting(
        "VAD_MIN_SPEECH_S", 0.5, "Less detected speech than this → transcript status no_speech, ASR skipped.")
    whisper_model_dir: Path | None = _setting(
        "WHISPER_MODEL_DIR", None, "A CTranslate2 Whisper model directory; unset = assemble base from wheels.")
    model_cache_dir: Path | None = _setting(
        "MODEL_CACHE_DIR", None, "Where assembled/converted models are cached; unset = ~/.cache/fides-workers.")
    transcript_cache: bool = _setting(
        "TRANSCRIPT_CACHE", True, "Reuse transcripts of identical audio (reused sounds) across the group.")


@dataclass(frozen=True)
class AudioSettings:
    """Where audio may be fetched from, and the fetch limits (``FetchPolicy``)."""

    media_root: Path | None = _setting(
        "MEDIA_ROOT", None, "file:// audio URIs are allowed only below this directory; unset = file:// refused.")
    allowed_hosts: tuple[str, ...] = _setting(
        "AUDIO_ALLOWED_HOSTS", (), "Comma-separated hosts http(s):// audio may be fetched from.")
    timeout_s: float = _setting("FETCH_TIMEOUT_S", 10.0, "Connect and per-read timeout of audio fetches.")
    total_timeout_s: float = _setting(
        "FETCH_TOTAL_TIMEOUT_S", 30.0, "Whole audio fetch incl. redirects (stops servers dribbling bytes).")
    max_redirects: int = _setting("AUDIO_MAX_REDIRECTS", 3, "HTTP redirects followed, each re-checked.")


@dataclass(frozen=True)
class TaggingSettings:
    """Tag-stage thresholds, one-to-one with ``TagOptions``."""

    min_score: float = _setting("TAG_MIN_SCORE", 0.5, "Minimum topic score emitted by the tag stage.")
    include_english: bool = _setting(
        "TAG_INCLUDE_ENGLISH", True, "Also apply English terms whatever the language (social-media English).")
    use_learned_signal: bool = _setting(
        "TAG_USE_LEARNED_SIGNAL", True,
        "Add or veto topics and raise the risk level with the offline multilingual encoder + trained heads "
        "(per-topic thresholds chosen by cross-validation, in learned_heads.json; docs/tagging.md).")


@dataclass(frozen=True)
class RoutingSettings:
    """Routing thresholds, one-to-one with ``RouteOptions``."""

    boost_factor: float = _setting("BOOST_FACTOR", 1.5, "Ranking boost for Fides creators' health content.")
    boost_min_score: float = _setting("BOOST_MIN_SCORE", 0.6, "Topic score that counts for a Fides boost.")
    psa_min_score: float = _setting(
        "PSA_MIN_SCORE", 0.75, "Sensitive-topic score that attaches a PSA (above TAG_MIN_SCORE on purpose).")
    review_min_score: float = _setting(
        "REVIEW_MIN_SCORE", 0.6, "misinformation_signal score that requests human review.")
    max_psas: int = _setting("MAX_PSAS_PER_VIDEO", 1, "PSAs attached per video, most severe first.")


@dataclass(frozen=True)
class Settings:
    """Worker configuration, one group per concern; every variable is listed in docs/settings.md."""

    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    asr: AsrSettings = field(default_factory=AsrSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    tagging: TaggingSettings = field(default_factory=TaggingSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with some settings replaced; keys are the variables' names in lower case
        (``with_overrides(asr_beam_size=1, web_port=0)``)."""
        by_group: dict[str, dict[str, Any]] = {}
        index = _key_index()
        for key, value in overrides.items():
            if key not in index:
                raise TypeError(f"unknown setting {key!r}: a setting is named by its variable, e.g. asr_beam_size")
            group, name = index[key]
            by_group.setdefault(group, {})[name] = value
        return dataclasses.replace(self, **{
            group: dataclasses.replace(getattr(self, group), **values) for group, values in by_group.items()})

    def items(self) -> Iterator[tuple[str, dataclasses.Field[Any], Any]]:
        """(group, field, value) for every setting, in declaration order."""
        for group in dataclasses.fields(self):
            section = getattr(self, group.name)
            for f in dataclasses.fields(section):
                yield group.name, f, getattr(section, f.name)

    def masked(self) -> dict[str, Any]:
        """Every setting by its variable's name in lower case, secrets masked: safe to log."""
        return {f.metadata["env"].lower(): MASK if f.metadata["secret"] and value else value
                for _, f, value in self.items()}

    def to_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment variables that reproduce these settings in a subprocess (on top of ``base``)."""
        env = dict(os.environ if base is None else base)
        for _, f, value in self.items():
            if value is None:
                env.pop(f.metadata["env"], None)
            else:
                env[f.metadata["env"]] = ",".join(value) if isinstance(value, tuple) else str(value)
        return env

    def topic(self, name: str) -> str:
        """The physical topic name for a topics.yaml name."""
        return f"{self.kafka.topic_prefix}{name}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **explicit: Any) -> Settings:
        """Build from ``env`` (default ``os.environ``); explicit values (keyed like ``with_overrides``) win."""
        env = os.environ if env is None else env
        parsed: dict[str, Any] = {}
        for group in dataclasses.fields(cls):
            kinds = get_type_hints(_GROUP_CLASSES[group.name])
            for f in dataclasses.fields(_GROUP_CLASSES[group.name]):
                name = f.metadata["env"]
                if name in env and name.lower() not in explicit:
                    parsed[name.lower()] = _parse(env[name], kinds[f.name], name)
        settings = cls().with_overrides(**parsed, **explicit)
        _validate(settings)
        return settings


_GROUP_CLASSES: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Settings)}  # type: ignore[misc]


@functools.cache
def _key_index() -> dict[str, tuple[str, str]]:
    """A setting's key (its variable's name in lower case) -> (group, field)."""
    return {f.metadata["env"].lower(): (group, f.name)
            for group, cls in _GROUP_CLASSES.items() for f in dataclasses.fields(cls)}


def _parse(raw: str, kind: Any, env_name: str) -> Any:
    """Convert an environment string to the field's declared type."""
    raw = raw.strip()
    try:
        if kind is bool:
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return raw.lower() in {"1", "true", "yes", "on"}
        if kind in (int, float):
            return kind(raw)
        if get_origin(kind) is tuple:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if Path in (kind, *get_args(kind)):
            return Path(raw).expanduser() if raw else None
    except ValueError as exc:
        raise ValueError(f"{env_name}={raw!r} is not a valid {getattr(kind, '__name__', kind)}") from exc
    return raw


def _check_choices(settings: Settings) -> None:
    """Every ``Literal`` field holds one of its values; the error names the variable and the choices."""
    for group, f, value in settings.items():
        kind = get_type_hints(_GROUP_CLASSES[group])[f.name]
        if get_origin(kind) is Literal and value not in get_args(kind):
            choices = ", ".join(repr(c) for c in get_args(kind))
            raise ValueError(f"{f.metadata['env']}={value!r} is not one of: {choices}")


def _validate(settings: Settings) -> None:
    _check_choices(settings)
    unknown = set(settings.worker.stages) - set(STAGE_IDS)
    if unknown:
        raise ValueError(f"STAGES has unknown stages {sorted(unknown)}; choose from {STAGE_IDS}")
    if settings.delivery.heartbeat_interval_s >= settings.delivery.session_timeout_s:
        raise ValueError("HEARTBEAT_INTERVAL_S must be below SESSION_TIMEOUT_S")
    if settings.worker.stage_batch_size < 1 or settings.worker.stage_batch_wait_ms < 0:
        raise ValueError("STAGE_BATCH_SIZE must be at least 1 and STAGE_BATCH_WAIT_MS not negative")
    if settings.asr.inflight < 1:
        raise ValueError("TRANSCRIBE_INFLIGHT must be at least 1")


SETTINGS_DOC_INTRO = """# Settings

One frozen settings object (`workers/settings.py`) built once from the environment and passed in;
explicit arguments beat environment variables beat defaults; secrets are masked in logs; a value outside
a setting's fixed choices stops the worker at start-up with the variable and the allowed values named.
This page is generated: `python -m workers settings --markdown > docs/settings.md` (a test keeps it
current).

"""


def settings_doc_markdown() -> str:
    """docs/settings.md: the introduction and the table, generated from the declarations above."""
    return SETTINGS_DOC_INTRO + settings_table_markdown() + "\n"


def settings_table_markdown() -> str:
    """The settings tables, one per group, generated from the declarations above."""
    rows: list[str] = []
    for group in dataclasses.fields(Settings):
        cls = _GROUP_CLASSES[group.name]
        rows += ["", f"## {group.name} (`{cls.__name__}`): {(cls.__doc__ or '').strip()}", "",
                 "| variable | default | meaning |", "|---|---|---|"]
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else None
            if isinstance(default, tuple):
                default = ",".join(default)
            shown = "(the package's own copy)" if f.name == "contracts_dir" else \
                "(unset)" if default in ("", None) else f"`{default}`"
            rows.append(f"| `{f.metadata['env']}` | {shown} | {f.metadata['doc']} |")
    return "\n".join(rows).lstrip("\n")
