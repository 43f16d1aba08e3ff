"""Load taxonomy.yaml once and compile its terms into per-language matchers.

All regular expressions are built here, at load; the tagger only runs them.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from workers.errors import InfrastructureError
from workers.tagging.normalize import normalize_hashtag, normalize_text

DEFAULT_PATH = Path(__file__).with_name("taxonomy.yaml")
ROMANCE = frozenset({"es", "pt", "fr"})
# Indonesian morphology: verbal/nominal prefixes and enclitic/derivational suffixes.
_ID_PREFIX = r"(?:(?:mem|men|meng|meny|me|ber|be|di|ter|ke|pem|pen|peng|pe|se)-?)?"
_ID_SUFFIX = r"(?:-?(?:nya|kan|an|i|lah|kah|ku|mu)){0,2}"


@dataclass(frozen=True)
class TermHit:
    """What one compiled term means: its topic, its weight and the term as written in the data."""

    topic: str
    weight: float
    term: str


@dataclass(frozen=True)
class TopicInfo:
    """A taxonomy topic: id, parent id (None for roots), PSA-worthiness and a display label."""

    topic: str
    parent: str | None
    sensitive: bool
    label: str


@dataclass(frozen=True)
class TopicMatcher:
    """All terms of one topic in one language; ``hits[group]`` tells what a named group means.

    One pattern per topic (not per language) so that overlapping terms of different topics all match:
    "vaccines cause autism" is both a vaccines and a misinformation_signal match.
    """

    topic: str
    pattern: re.Pattern[str]
    hits: Mapping[str, tuple[TermHit, ...]]


@dataclass(frozen=True)
class LanguageMatcher:
    """Compiled matchers of one language."""

    language: str
    topics: tuple[TopicMatcher, ...]
    gate: LiteralGate | None  # which topics' required literals occur: only those topics are scanned
    blockers: re.Pattern[str] | None
    topic_blockers: Mapping[str, re.Pattern[str]]
    negation_before: frozenset[str]
    negation_after: tuple[str, ...]
    substring: bool

    def candidate_topics(self, text: str) -> tuple[TopicMatcher, ...]:
        """The topic matchers worth running on ``text`` (the others cannot match it)."""
        if self.gate is None:
            return self.topics
        present = self.gate.topics_in(text)
        return tuple(t for t in self.topics if t.topic in present) if present else ()


@dataclass(frozen=True)
class Taxonomy:
    """The loaded, compiled taxonomy; build it with :func:`load_taxonomy`."""

    version: str
    topics: Mapping[str, TopicInfo]
    matchers: Mapping[str, LanguageMatcher]
    hashtag_exact: Mapping[str, tuple[TermHit, ...]]
    hashtag_prefixes: tuple[tuple[str, tuple[TermHit, ...]], ...]
    hashtag_blockers: tuple[str, ...]
    debunk_cues: frozenset[str]
    mention_terms: frozenset[tuple[str, str]] = frozenset()  # (topic, term): names the subject, no risk
    # Languages where one medium first-person crisis term is a current risk on its own (see taxonomy.yaml).
    current_on_one_medium: frozenset[str] = frozenset()
    # Topics a long text is not about when it names them once in passing (``passing_mention`` in taxonomy.yaml).
    passing_mention_topics: frozenset[str] = frozenset()

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages that have terms."""
        return tuple(self.matchers)

    @functools.cached_property
    def hashtag_prefix_keys(self) -> tuple[str, ...]:
        """The prefixes of ``hashtag_prefixes``, longest first (for one ``str.startswith`` test)."""
        return tuple(prefix for prefix, _ in self.hashtag_prefixes)

    def sensitive_topics(self) -> frozenset[str]:
        """Topic ids marked PSA-worthy in the data."""
        return frozenset(t.topic for t in self.topics.values() if t.sensitive)

    def children(self, parent: str) -> tuple[str, ...]:
        """Ids of the topics whose parent is ``parent``."""
        return tuple(t.topic for t in self.topics.values() if t.parent == parent)


_WORD_START = r"(?<!\w)"


def term_words(term: str) -> tuple[list[str], bool]:
    """A term's words as ``term_regex`` requires them, and whether it ends in ``*`` (any word ending)."""
    text = normalize_text(term).strip()
    return [w for w in re.split(r"[\s\-]+", text.rstrip("*")) if w], text.endswith("*")


def term_regex(term: str, language: str, substring: bool) -> str:
    """The regular expression one taxonomy term compiles to (see the header of taxonomy.yaml)."""
    words, star = term_words(term)
    body = r"[\s\-]*".join(re.escape(w) for w in words) + (r"\w*" if star else "")
    if substring:
        return body
    if language in ROMANCE and not star:
        body += r"(?:s|es|x)?"
    if language == "id":
        body = _ID_PREFIX + body + _ID_SUFFIX
    return r"(?<!\w)" + body + r"(?!\w)"


def _alternation(patterns: Iterable[str]) -> str:
    # Longest first so "binge eating disorder" wins over "binge" at the same position.
    ordered = sorted(set(patterns), key=lambda p: (-len(p), p))
    # Test the word-start lookbehind once per position, not once per alternative: the scan is ~N x faster.
    if ordered and all(p.startswith(_WORD_START) for p in ordered):
        return _WORD_START + "(?:" + "|".join(p[len(_WORD_START):] for p in ordered) + ")"
    return "|".join(ordered)


def required_literal(term: str) -> str:
    """A literal that every match of ``term`` contains: its longest word (affixes, plurals and the
    separators between words are optional in ``term_regex``, the words themselves are not)."""
    words, _ = term_words(term)
    return max(words, key=len) if words else ""


@dataclass(frozen=True)
class LiteralGate:
    """Which topics can match a text at all, from one scan for the literals their terms require.

    The literals form a trie regex, so a position costs one branch per distinct next character instead of
    one try per term; most texts contain no health literal at all and skip the per-topic scans.
    """

    pattern: re.Pattern[str]
    topics_by_literal: Mapping[str, frozenset[str]]

    def topics_in(self, text: str) -> frozenset[str]:
        """Topics with a required literal in ``text`` (a superset of the topics whose terms match)."""
        found = {match.group(1) for match in self.pattern.finditer(text)}
        return frozenset().union(*(self.topics_by_literal[literal] for literal in found))


def literal_gate(literals: Iterable[tuple[str, str]]) -> LiteralGate | None:
    """The gate for (literal, topic) pairs; None when some term has no literal (nothing can be ruled out)."""
    pairs = list(literals)
    trie: dict[str, Any] = {}
    for literal, _ in pairs:
        if not literal:
            return None
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        return None
    # The scan reports the shortest literal on a trie path: it stands for every literal it begins.
    topics: dict[str, set[str]] = defaultdict(set)
    for literal, topic in pairs:
        topics[_shortest_prefix_literal(trie, literal)].add(topic)
    pattern = re.compile(f"(?=({_trie_regex(trie)}))")  # a lookahead, so overlapping literals are all seen
    return LiteralGate(pattern, MappingProxyType({k: frozenset(v) for k, v in topics.items()}))


def _shortest_prefix_literal(trie: dict[str, Any], literal: str) -> str:
    node = trie
    for length, char in enumerate(literal, 1):
        node = node[char]
        if "" in node:
            return literal[:length]
    return literal


def _trie_regex(node: dict[str, Any]) -> str:
    if "" in node:
        return ""  # a shorter literal ends here: the scan stops at it
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items())]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _compile_topic(topic: str, entries: list[tuple[str, TermHit]], language: str, substring: bool) -> TopicMatcher:
    by_regex: dict[str, list[TermHit]] = defaultdict(list)
    for term, hit in entries:
        by_regex[term_regex(term, language, substring)].append(hit)
    ordered = sorted(by_regex, key=lambda p: (-len(p), p))
    groups = {f"t{i}": tuple(by_regex[p]) for i, p in enumerate(ordered)}
    # Test the word-start lookbehind once per position, not once per alternative: the scan is ~N x faster.
    shared = _WORD_START if all(p.startswith(_WORD_START) for p in ordered) else ""
    body = "|".join(f"(?P<t{i}>{p[len(shared):]})" for i, p in enumerate(ordered))
    pattern = re.compile(f"{shared}(?:{body})" if shared else body)
    return TopicMatcher(topic, pattern, MappingProxyType(groups))


def _sense_pattern(senses: Iterable[str], language: str, substring: bool) -> re.Pattern[str] | None:
    patterns = [term_regex(str(s), language, substring) for s in senses]
    return re.compile(_alternation(patterns)) if patterns else None


def _compile_language(language: str, entries: list[tuple[str, TermHit]], data: Mapping[str, Any]) -> LanguageMatcher:
    substring = language in data.get("substring_languages", ())
    per_topic: dict[str, list[tuple[str, TermHit]]] = defaultdict(list)
    for term, hit in entries:
        per_topic[hit.topic].append((term, hit))
    senses = data.get("non_health_senses", {}).get(language, ())
    negation = data.get("negation", {})
    return LanguageMatcher(
        language=language,
        topics=tuple(_compile_topic(t, e, language, substring) for t, e in per_topic.items()),
        gate=literal_gate((required_literal(term), hit.topic) for term, hit in entries),
        blockers=_sense_pattern(senses, language, substring),
        topic_blockers=MappingProxyType(
            {
                topic: pattern
                for topic, spec in data["topics"].items()
                if (pattern := _sense_pattern((spec.get("senses") or {}).get(language, ()), language, substring))
            }
        ),
        negation_before=frozenset(normalize_text(c) for c in negation.get("before", {}).get(language, ())),
        negation_after=tuple(normalize_text(c) for c in negation.get("after", {}).get(language, ())),
        substring=substring,
    )


def _require_text(term: object, topic: str) -> None:
    # YAML 1.1 reads bare no/yes/on/off as booleans: a silently lost term is worse than a crash.
    if not isinstance(term, str):
        raise InfrastructureError(
            f"taxonomy term {term!r} of {topic!r} is not a string; quote it", reason="taxonomy_invalid"
        )


def _term_entries(data: Mapping[str, Any]) -> dict[str, list[tuple[str, TermHit]]]:
    tiers = data["tiers"]
    per_language: dict[str, list[tuple[str, TermHit]]] = defaultdict(list)
    for topic, spec in data["topics"].items():
        for language, tier, term in [*_listed_terms(spec), *_phrasing_terms(spec, topic)]:
            _require_text(term, topic)
            per_language[language].append((str(term), TermHit(topic, float(tiers[tier]), str(term))))
    return per_language


def _listed_terms(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, object]]:
    for language, by_tier in (spec.get("terms") or {}).items():
        for tier, terms in (by_tier or {}).items():
            for term in terms or ():
                yield language, tier, term


def _phrasing_terms(spec: Mapping[str, Any], topic: str) -> Iterator[tuple[str, str, object]]:
    """A topic's ``phrasings``: every cue followed by every object is a term of the tier ("do i have" +
    "ptsd"), the way people ask about a condition, written once instead of cue by condition."""
    for language, groups in (spec.get("phrasings") or {}).items():
        for group in groups or ():
            for cue in group["cues"]:
                for obj in group["objects"]:
                    _require_text(cue, topic)
                    _require_text(obj, topic)
                    yield language, group["tier"], f"{cue} {obj}"


def _hashtag_tables(
    data: Mapping[str, Any], entries: Mapping[str, list[tuple[str, TermHit]]]
) -> tuple[dict[str, tuple[TermHit, ...]], tuple[tuple[str, tuple[TermHit, ...]], ...]]:
    strong = float(data["tiers"]["strong"])
    exact: dict[str, list[TermHit]] = defaultdict(list)
    prefixes: dict[str, list[TermHit]] = defaultdict(list)
    explicit = [
        (str(tag), TermHit(topic, strong, f"#{tag}"))
        for topic, spec in data["topics"].items()
        for tag in spec.get("hashtags", ())
    ]
    compact = [(term, hit) for language_entries in entries.values() for term, hit in language_entries]
    for term, hit in explicit + compact:
        key = normalize_hashtag(re.sub(r"[\s\-]+", "", term))
        target = prefixes if key.endswith("*") else exact
        target[key.rstrip("*")].append(hit)
    return (
        {k: _best_per_topic(v) for k, v in exact.items()},
        tuple(sorted(((k, _best_per_topic(v)) for k, v in prefixes.items()), key=lambda kv: -len(kv[0]))),
    )


def _best_per_topic(hits: list[TermHit]) -> tuple[TermHit, ...]:
    best: dict[str, TermHit] = {}
    for hit in hits:
        if hit.topic not in best or hit.weight > best[hit.topic].weight:
            best[hit.topic] = hit
    return tuple(best.values())


def _topics(data: Mapping[str, Any]) -> dict[str, TopicInfo]:
    topics = {
        tid: TopicInfo(tid, spec.get("parent"), bool(spec.get("sensitive", False)), str(spec.get("label", tid)))
        for tid, spec in data["topics"].items()
    }
    for info in topics.values():
        if info.parent is not None and info.parent not in topics:
            raise InfrastructureError(
                f"taxonomy topic {info.topic!r} has unknown parent {info.parent!r}", reason="taxonomy_invalid"
            )
    return topics


def build_taxonomy(data: Mapping[str, Any]) -> Taxonomy:
    """Compile a parsed taxonomy document (exposed for tests that build small taxonomies)."""
    try:
        entries = _term_entries(data)
        exact, prefixes = _hashtag_tables(data, entries)
        senses = [s for values in data.get("non_health_senses", {}).values() for s in values] + [
            s for spec in data["topics"].values() for values in (spec.get("senses") or {}).values() for s in values
        ]
        return Taxonomy(
            version=str(data["version"]),
            topics=MappingProxyType(_topics(data)),
            matchers=MappingProxyType({lang: _compile_language(lang, e, data) for lang, e in entries.items()}),
            hashtag_exact=MappingProxyType(exact),
            hashtag_prefixes=prefixes,
            hashtag_blockers=tuple(normalize_hashtag(re.sub(r"[\s\-*]+", "", s)) for s in senses),
            debunk_cues=frozenset(normalize_text(str(c)) for c in data.get("negation", {}).get("debunk", ())),
            mention_terms=frozenset(
                (topic, str(term))
                for topic, spec in data["topics"].items()
                for terms in (spec.get("mention_terms") or {}).values()
                for term in terms
            ),
            current_on_one_medium=frozenset(
                str(lang) for spec in data["topics"].values() for lang in spec.get("current_on_one_medium") or ()
            ),
            passing_mention_topics=frozenset(
                topic for topic, spec in data["topics"].items() if spec.get("passing_mention", False)
            ),
        )
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise InfrastructureError(f"taxonomy data is malformed: {exc!r}", reason="taxonomy_invalid") from exc


def read_yaml(path: Path, what: str, reason: str) -> Any:
    """A packaged YAML data file; InfrastructureError with ``reason`` when it cannot be read or parsed."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InfrastructureError(f"cannot read {what} {path}: {exc}", reason=reason) from exc


@lru_cache(maxsize=4)
def _load(path: Path) -> Taxonomy:
    return build_taxonomy(read_yaml(path, "taxonomy", "taxonomy_invalid"))


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and compile the taxonomy (the packaged one by default); cached, so once per process."""
    return _load(Path(path or DEFAULT_PATH).resolve())
