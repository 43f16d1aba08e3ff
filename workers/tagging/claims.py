"""Known false health claims: the catalogue (``claims.yaml``) and a matcher from text to catalogue claims.

A claim is a few word groups (what it is about: "antibiotics" / "kill, cure, prevent" / "the coronavirus")
written per language, and paraphrases of the claim. One sentence of an upload's text is a candidate for a
claim when its words hit the claim's groups; its word score is the fraction of groups hit (within the
claim's ``window`` of words where one is set). Without a sentence encoder for the text's language every
group must be hit. With one, the sentence's cosine similarity to the claim's statement and paraphrases
decides (``ClaimOptions``): a low bar when every group is hit, a high one when a group other than the
first is missing, so the meaning carries what the words do not say ("los antibióticos acaban con el
coronavirus"). Either way the sentence is dropped when
it denies the claim (a negation cue), asks it (a question), or reports or debunks it ("myth", "fact
check", "hoaks", "bulo", "デマ", "가짜뉴스" in the sentence, the one before it or the text's title):
debunking a myth repeats the myth. See docs/misinformation.md.

Pure and synchronous: ``ClaimMatcher.match`` is a function of the text, the languages and the (frozen)
catalogue and encoder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from workers.errors import InfrastructureError
from workers.tagging.normalize import normalize_text
from workers.tagging.taxonomy import LiteralGate, literal_gate, read_yaml, required_literal, term_regex

DEFAULT_PATH = Path(__file__).with_name("claims.yaml")
CLAIM_SOURCE = "claim"  # TopicEvidence.source of a misinformation_signal that a catalogue claim produced
SUBSTRING_LANGUAGES = frozenset({"ja", "ko"})
LANGUAGES = ("en", "id", "es", "pt", "fr", "ja", "ko")

# Sentence ends: ". " "! " "? ", a CJK full stop (often without a space after it), or a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n+")
_WORD = re.compile(r"\w+")
MAX_EMBEDDED = 4  # sentences embedded per upload at most
_QUOTES = "\"'“”‘’«»「」『』()[]*-–—:… \t"


@dataclass(frozen=True)
class ClaimSource:
    """The public source that refutes a claim (``url`` only where it is a well-known stable page)."""

    key: str
    organisation: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Claim:
    """One catalogue claim with its compiled word groups (``groups[i][language]``) and paraphrases."""

    claim_id: str
    family: str
    statement: str
    fact: str
    source: ClaimSource | None
    groups: tuple[Mapping[str, re.Pattern[str]], ...]
    paraphrases: tuple[str, ...]
    window: int | None = None  # max words spanned by the group hits (None: the sentence)


@dataclass(frozen=True)
class Framing:
    """Per-language cues of a sentence that denies, debunks, reports or asks rather than asserts."""

    negation: Mapping[str, re.Pattern[str]]
    debunk: Mapping[str, re.Pattern[str]]
    question_openers: Mapping[str, frozenset[str]]
    question_endings: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class ClaimCatalog:
    """The loaded catalogue: claims by id, framing cues, and per-language gates over the group words."""

    version: str
    claims: tuple[Claim, ...]
    framing: Framing
    gates: Mapping[str, LiteralGate | None]
    by_id: Mapping[str, Claim] = field(default_factory=dict)

    def get(self, claim_id: str) -> Claim | None:
        """The claim with this id, or None (an id from an older catalogue)."""
        return self.by_id.get(claim_id)

    def candidate_claims(self, normalized: str, languages: Iterable[str]) -> tuple[Claim, ...]:
        """Claims whose every group has a required literal in ``normalized`` in one of ``languages``
        (a superset of the claims that can match; most texts have none and skip the sentence scans)."""
        present: set[str] = set()
        for language in languages:
            gate = self.gates.get(language)
            if gate is not None:
                present |= gate.topics_in(normalized)
        if not present:
            return ()
        # Candidates may miss one group (the encoder may still carry them); the gate keys are "id#group".
        hits: dict[str, int] = {}
        for key in present:
            claim_id = key.rsplit("#", 1)[0]
            hits[claim_id] = hits.get(claim_id, 0) + 1
        return tuple(c for c in self.claims if hits.get(c.claim_id, 0) >= max(1, len(c.groups) - 1))


@dataclass(frozen=True)
class ClaimOptions:
    """Similarity thresholds of the matcher with an encoder (results/claims_eval.md: on gold_dev, leave one
    source out, no partial match is needed; 0.8 keeps true statements on a claim's subject out, see the
    tests). Without an encoder for the language, every word group must be hit.

    Attributes:
        full_threshold: similarity a sentence that hits every word group of the claim needs (0: the words
            say it; gold_dev has no full word match that a bar would rightly drop).
        partial_threshold: similarity a sentence that misses one group (never the first) needs: the
            meaning must carry what the words do not say ("acaban con el coronavirus").
    """

    full_threshold: float = 0.0
    partial_threshold: float = 0.8


@dataclass(frozen=True)
class Candidate:
    """One (sentence, claim) pair that the words support, before the threshold and framing decide."""

    claim_id: str
    start: int  # offsets of the sentence in the matched text
    end: int
    word: float
    similarity: float | None  # None: no encoder for this language
    framed: str | None  # why it is not an assertion: negation, question, debunk; None: it asserts


@dataclass(frozen=True)
class ClaimMatch:
    """A sentence that asserts a catalogue claim."""

    claim_id: str
    start: int
    end: int
    sentence: str
    score: float


@dataclass(frozen=True)
class Embedder:
    """A sentence encoder (L2-normalised rows) and the languages it is trusted for."""

    name: str
    languages: frozenset[str]
    encode: Callable[[list[str]], np.ndarray]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty sentence of ``text``."""
    spans, start = [], 0
    for sep in _SENTENCE_END.finditer(text):
        spans.append((start, sep.start()))
        start = sep.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _cue_regex(cue: str, language: str) -> str:
    """A framing cue: a whole-word match, except in ja/ko and at an apostrophe ("n't", "n'")."""
    body = re.escape(normalize_text(cue).strip()).replace(r"\ ", r"[\s\-]*").replace(r"\*", r"\w*")
    if language in SUBSTRING_LANGUAGES:
        return body
    head = "" if cue.startswith("n'") else r"(?<!\w)"
    tail = "" if cue.endswith(("'", ":", "*")) else r"(?!\w)"
    return head + body + tail


_WORD_START = r"(?<!\w)"


def _alternation(patterns: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(set(patterns), key=lambda p: (-len(p), p))
    if not ordered:
        return re.compile(r"(?!x)x")
    # Test the word-start lookbehind once per position, not once per alternative (as the taxonomy does).
    if all(p.startswith(_WORD_START) for p in ordered):
        return re.compile(_WORD_START + "(?:" + "|".join(p[len(_WORD_START):] for p in ordered) + ")")
    return re.compile("|".join(ordered))


def _words(spec: Any, concepts: Mapping[str, Any], where: str) -> Mapping[str, list[str]]:
    if isinstance(spec, str) and spec.startswith("$"):
        try:
            spec = concepts[spec[1:]]
        except KeyError:
            raise InfrastructureError(f"claims: unknown concept {spec!r} in {where}", reason="claims_invalid") from None
    if not isinstance(spec, Mapping):
        raise InfrastructureError(f"claims: a group of {where} is not a language mapping", reason="claims_invalid")
    for language, words in spec.items():
        bad = [w for w in words or () if not isinstance(w, str)]
        if bad:  # YAML 1.1 reads bare no/yes/on/off as booleans: a silently lost word is worse than a crash
            raise InfrastructureError(f"claims: {where} ({language}) has non-text words {bad}; quote them",
                                      reason="claims_invalid")
    return {str(lang): [str(w) for w in words or ()] for lang, words in spec.items()}


def word_regex(word: str, language: str) -> str:
    """The taxonomy's term regex, where a "*" may also end an inner word ("vacuna* de la gripe")."""
    return term_regex(word, language, language in SUBSTRING_LANGUAGES).replace(r"\*", r"\w*")


def word_literal(word: str) -> str:
    """A literal that every match of ``word`` contains (for the gate)."""
    return required_literal(word).replace("*", "")


def _compile_group(words: Mapping[str, list[str]]) -> Mapping[str, re.Pattern[str]]:
    return MappingProxyType({
        lang: _alternation(word_regex(w, lang) for w in ws) for lang, ws in words.items() if ws
    })


def _source(key: Any, sources: Mapping[str, Any], where: str) -> ClaimSource | None:
    if key is None:
        return None
    spec = sources.get(key)
    if spec is None:
        raise InfrastructureError(f"claims: {where} names unknown source {key!r}", reason="claims_invalid")
    return ClaimSource(str(key), str(spec["organisation"]), str(spec["title"]), spec.get("url") or None)


def _framing(data: Mapping[str, Any]) -> Framing:
    def patterns(name: str) -> Mapping[str, re.Pattern[str]]:
        return MappingProxyType({
            lang: _alternation(_cue_regex(str(c), lang) for c in cues or ())
            for lang, cues in (data.get(name) or {}).items()
        })

    return Framing(
        negation=patterns("negation"),
        debunk=patterns("debunk"),
        question_openers=MappingProxyType({
            lang: frozenset(normalize_text(str(w)) for w in ws or ())
            for lang, ws in (data.get("question_openers") or {}).items()
        }),
        question_endings=MappingProxyType({
            lang: tuple(normalize_text(str(w)) for w in ws or ())
            for lang, ws in (data.get("question_endings") or {}).items()
        }),
    )


def build_catalog(data: Mapping[str, Any]) -> ClaimCatalog:
    """Compile a parsed catalogue document (exposed for tests that build small catalogues)."""
    try:
        concepts, sources = data.get("concepts") or {}, data.get("sources") or {}
        claims, gate_pairs = [], {lang: [] for lang in LANGUAGES}  # type: ignore[var-annotated]
        for spec in data["claims"]:
            claim_id = str(spec["id"])
            words = [_words(g, concepts, claim_id) for g in spec["groups"]]
            for index, group in enumerate(words):
                for lang, ws in group.items():
                    gate_pairs.setdefault(lang, []).extend((word_literal(w), f"{claim_id}#{index}") for w in ws)
            paraphrases = [str(spec["statement"])] + [
                str(p) for ps in (spec.get("paraphrases") or {}).values() for p in ps or ()
            ]
            claims.append(Claim(
                claim_id=claim_id, family=str(spec["family"]), statement=str(spec["statement"]),
                fact=str(spec["fact"]), source=_source(spec.get("source"), sources, claim_id),
                groups=tuple(_compile_group(g) for g in words), paraphrases=tuple(paraphrases),
                window=spec.get("window"),
            ))
        ids = [c.claim_id for c in claims]
        if len(set(ids)) != len(ids):
            raise InfrastructureError("claims: duplicate claim ids", reason="claims_invalid")
        return ClaimCatalog(
            version=str(data["version"]), claims=tuple(claims), framing=_framing(data.get("framing") or {}),
            gates=MappingProxyType({lang: literal_gate(pairs) for lang, pairs in gate_pairs.items() if pairs}),
            by_id=MappingProxyType({c.claim_id: c for c in claims}),
        )
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise InfrastructureError(f"claims catalogue is malformed: {exc!r}", reason="claims_invalid") from exc


@lru_cache(maxsize=4)
def _load(path: Path) -> ClaimCatalog:
    return build_catalog(read_yaml(path, "claims catalogue", "claims_invalid"))


def load_catalog(path: str | Path | None = None) -> ClaimCatalog:
    """Load and compile the catalogue (the packaged one by default); cached, so once per process."""
    return _load(Path(path or DEFAULT_PATH).resolve())


def _hit_spans(claim: Claim, sentence: str, languages: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Per group, the spans in the normalized ``sentence`` where one of its words matches."""
    spans: list[list[tuple[int, int]]] = []
    for group in claim.groups:
        found = [m.span() for lang in languages if (p := group.get(lang)) is not None for m in p.finditer(sentence)]
        spans.append(found)
    return spans


def _word_index(sentence: str, offset: int) -> int:
    return len(_WORD.findall(sentence[:offset]))


def word_score(claim: Claim, sentence: str, languages: Sequence[str]) -> tuple[float, list[tuple[int, int]]]:
    """Fraction of the claim's groups hit in the normalized ``sentence``, and the spans of the hits; 0 for a
    partial hit without the first group.

    With a ``window``, the hits must fall within that many words: the best-covered group set whose
    first and last hit are close enough (for a two-group claim: any pair within the window).
    """
    per_group = _hit_spans(claim, sentence, languages)
    hit = [spans for spans in per_group if spans]
    flat = [s for spans in hit for s in spans]
    if not hit or (len(hit) < len(per_group) and not per_group[0]):
        # A partial match must name what the claim is about (its first group: antibiotics, bleach, 5G);
        # "drinking ... covid" is not the bleach claim.
        return 0.0, flat
    if claim.window is not None and len(hit) == len(per_group) and not set(languages) <= SUBSTRING_LANGUAGES:
        positions = [[_word_index(sentence, s) for s, _ in spans] for spans in hit]
        if not _within(positions, claim.window):
            return (len(hit) - 1) / len(per_group), flat
    return len(hit) / len(per_group), flat


def _within(positions: list[list[int]], window: int) -> bool:
    """Whether one position from each list can be picked with max - min <= window."""
    for anchor in positions[0]:
        if all(any(abs(p - anchor) <= window for p in group) for group in positions[1:]):
            return True
    return False


NEGATION_WORDS_BEFORE = 2  # words between a negation cue and the claim word it denies ("not effective in killing"),
# the tag core's negation window of three words
NEGATION_CHARS_AFTER = 12  # ja/ko: characters between a claim word and the negation after it ("効果はない")


def _negates(
    pattern: re.Pattern[str] | None, sentence: str, claim_spans: list[tuple[int, int]], substring: bool
) -> bool:
    """Whether a negation cue governs one of the claim's word hits: a few words before it (after it in ja/ko).

    A cue elsewhere in the sentence ("we are powerless ... the vaccine business") negates something else.
    """
    if pattern is None:
        return False
    for match in pattern.finditer(sentence):
        start, end = match.span()
        for hit_start, hit_end in claim_spans:
            if hit_start < end and start < hit_end:
                break  # the cue is a claim word ("no worse than the flu")
            if substring and 0 <= start - hit_end <= NEGATION_CHARS_AFTER:
                return True
            between = len(_WORD.findall(sentence[end:hit_start])) if end <= hit_start else None
            if not substring and between is not None and between <= NEGATION_WORDS_BEFORE:
                return True
    return False


def _cue_outside(pattern: re.Pattern[str] | None, text: str, claim_spans: list[tuple[int, int]]) -> bool:
    """Whether a cue occurs in ``text`` outside the claim's own word hits ("false positive" is claim words)."""
    if pattern is None:
        return False
    return any(
        not any(s < ce and cs < e for cs, ce in claim_spans) for s, e in (m.span() for m in pattern.finditer(text))
    )


def is_question(sentence: str, framing: Framing, languages: Sequence[str]) -> bool:
    """A sentence that asks: it ends with "?" (or a ja/ko question ending) or opens with "¿" or a question word
    and has no full stop or "!" at its end."""
    core = sentence.strip(_QUOTES)
    if core.endswith(("?", "?")) or core.startswith("¿"):
        return True
    for lang in languages:
        if any(core.rstrip(".!。 ").endswith(e) for e in framing.question_endings.get(lang, ())):
            return True
    first = _WORD.findall(core[:40])
    opener = bool(first) and any(first[0] in framing.question_openers.get(lang, ()) for lang in languages)
    two = " ".join(first[:2])
    opener = opener or any(two in framing.question_openers.get(lang, ()) for lang in languages)
    return opener and not core.endswith((".", "!", "。", "!"))


def framing_of(
    claim: Claim, sentence: str, context: str, claim_spans: list[tuple[int, int]], framing: Framing,
    languages: Sequence[str],
) -> str | None:
    """Why the normalized ``sentence`` does not assert the claim (``context``: the sentence before it and
    the text's title), or None when it does."""
    if is_question(sentence, framing, languages):
        return "question"
    for lang in languages:
        if _cue_outside(framing.debunk.get(lang), sentence, claim_spans) or _cue_outside(
            framing.debunk.get(lang), context, []
        ):
            return "debunk"
        if _negates(
            framing.negation.get(lang), sentence, claim_spans, lang in SUBSTRING_LANGUAGES
        ):
            return "negation"
    return None


@dataclass(frozen=True)
class ClaimMatcher:
    """The catalogue, an optional sentence encoder, the paraphrase embeddings and the thresholds."""

    catalog: ClaimCatalog
    options: ClaimOptions = ClaimOptions()
    embedder: Embedder | None = None
    paraphrase_vectors: Mapping[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(cls, catalog: ClaimCatalog, embedder: Embedder | None = None,
              options: ClaimOptions | None = None) -> ClaimMatcher:
        """Embed every claim's statement and paraphrases once (about a second with an encoder)."""
        vectors: dict[str, np.ndarray] = {}
        if embedder is not None:
            texts = [p for c in catalog.claims for p in c.paraphrases]
            matrix = embedder.encode(texts)
            row = 0
            for claim in catalog.claims:
                vectors[claim.claim_id] = matrix[row : row + len(claim.paraphrases)]
                row += len(claim.paraphrases)
        return cls(catalog, options or ClaimOptions(), embedder, MappingProxyType(vectors))

    def candidates(self, text: str, languages: Sequence[str], language: str) -> list[Candidate]:
        """Every (sentence, claim) pair the words support, with similarity and framing (for evaluation)."""
        normalized = normalize_text(text)
        claims = self.catalog.candidate_claims(normalized, languages)
        if not claims:
            return []
        spans = sentence_spans(text)
        title = normalize_text(text[:60])
        found: list[tuple[Claim, int, float, str | None]] = []
        for index, (start, end) in enumerate(spans):
            sentence = normalize_text(text[start:end])
            previous = normalize_text(text[spans[index - 1][0] : spans[index - 1][1]]) if index else ""
            context = previous + "\n" + (title if start > 0 else "")
            for claim in claims:
                score, hits = word_score(claim, sentence, languages)
                if score > 0 and score >= (len(claim.groups) - 1) / len(claim.groups):  # at most one group short
                    framed = framing_of(claim, sentence, context, hits, self.catalog.framing, languages)
                    found.append((claim, index, score, framed))
        similarities = self._similarities(text, spans, found, language)
        return [
            Candidate(claim.claim_id, spans[index][0], spans[index][1], round(score, 4),
                      similarities.get((index, claim.claim_id)), framed)
            for claim, index, score, framed in found
        ]

    def _similarities(
        self, text: str, spans: list[tuple[int, int]], found: list[tuple[Claim, int, float, str | None]], language: str
    ) -> dict[tuple[int, str], float]:
        # Only sentences that assert a candidate claim are embedded: a framed one is dropped whatever it scores.
        embedder = self.embedder
        if embedder is None or language not in embedder.languages:
            return {}
        best: dict[int, float] = {}
        for _, index, score, framed in found:
            if framed is None:
                best[index] = max(score, best.get(index, 0.0))
        # At most a few sentences per upload reach the encoder, the best supported by words first: a long
        # transcript about vaccines costs no more than a short one.
        wanted = sorted(sorted(best, key=lambda i: (-best[i], i))[:MAX_EMBEDDED])
        if not wanted:
            return {}
        vectors = embedder.encode([text[spans[i][0] : spans[i][1]] for i in wanted])
        row_of = {index: row for row, index in enumerate(wanted)}
        return {
            (index, claim.claim_id): round(float((self.paraphrase_vectors[claim.claim_id] @ vectors[row]).max()), 4)
            for claim, index, _, framed in found if framed is None and (row := row_of.get(index)) is not None
        }

    def decide(self, candidate: Candidate) -> float | None:
        """The candidate's match score, or None when it is framed or below the threshold."""
        return decide(candidate, self.options)

    def match(self, text: str, languages: Sequence[str], language: str) -> tuple[ClaimMatch, ...]:
        """Sentences of ``text`` that assert a catalogue claim, best first (one per claim and sentence)."""
        # One claim per sentence, the best scoring: "the flu shot protects against covid" also half-matches
        # "covid is just a flu", and the reviewer should see the claim it asserts.
        best: dict[int, tuple[float, Candidate]] = {}
        for candidate in self.candidates(text, languages, language):
            score = self.decide(candidate)
            if score is not None and (candidate.start not in best or score > best[candidate.start][0]):
                best[candidate.start] = (score, candidate)
        matches = [
            ClaimMatch(c.claim_id, c.start, c.end, text[c.start : c.end].strip(), round(score, 4))
            for score, c in best.values()
        ]
        matches.sort(key=lambda m: (-m.score, m.start, m.claim_id))
        return tuple(matches)


def decide(candidate: Candidate, options: ClaimOptions) -> float | None:
    """Score of a candidate that asserts its claim (its similarity; its word score without an encoder), or
    None when it is framed or falls short (see ``ClaimOptions``)."""
    if candidate.framed is not None:
        return None
    if candidate.similarity is None:
        return candidate.word if candidate.word >= 1.0 else None
    needed = options.full_threshold if candidate.word >= 1.0 else options.partial_threshold
    return candidate.similarity if candidate.similarity >= needed else None


ENCODER_LANGUAGES = {
    # Universal Sentence Encoder multilingual v3: trained on 16 languages, Indonesian not among them.
    "use-multilingual-v3": frozenset({"en", "es", "pt", "fr", "ja", "ko"}),
    "all-MiniLM-L6-v2": frozenset({"en"}),
}


def embedder_for(encoder: Any) -> Embedder:
    """An ``Embedder`` around one of the project's encoders (``encoder.py``), by its ``name``."""
    name = str(getattr(encoder, "name", "all-MiniLM-L6-v2"))
    return Embedder(name, ENCODER_LANGUAGES.get(name, frozenset({"en"})), lambda texts: encoder.encode(list(texts)))


def load_matcher(encoder: Any = None, options: ClaimOptions | None = None) -> ClaimMatcher:
    """The packaged catalogue with ``encoder`` (one of ``encoder.py``'s, already loaded; None: words only)."""
    return ClaimMatcher.build(load_catalog(), embedder_for(encoder) if encoder is not None else None, options)
