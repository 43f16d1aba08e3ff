"""The PSA catalog: help resources per topic x country x language, loaded once from psa_catalog.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from workers.errors import InfrastructureError

DEFAULT_PATH = Path(__file__).with_name("psa_catalog.yaml")
WHO = "World Health Organization"


@dataclass(frozen=True)
class PsaResource:
    """One help resource; fields mirror the PsaResource record of schemas/PsaEvent.avsc."""

    organization: str
    name: str
    phone: str | None
    text: str | None
    url: str | None
    language: str
    source: str
    confidence: str = "medium"

    def to_record(self) -> dict[str, Any]:
        """Return the PsaResource Avro record."""
        return asdict(self)


@dataclass(frozen=True)
class CatalogEntry:
    """A catalog row: the resource, where it applies and the psa_resources.yaml entry it came from."""

    ref: str
    topic: str
    country: str
    languages: tuple[str, ...]
    resource: PsaResource


@dataclass(frozen=True)
class PsaChoice:
    """The resource chosen for a viewer; ``is_fallback`` when it is the WHO global page."""

    resource: PsaResource
    is_fallback: bool
    catalog_topic: str


@dataclass(frozen=True)
class PsaCatalog:
    """Loaded catalog; use :meth:`resolve`."""

    version: str
    topic_map: Mapping[str, str]
    topic_fallback: Mapping[str, str]
    country_languages: Mapping[str, tuple[str, ...]]
    entries: tuple[CatalogEntry, ...]
    who: Mapping[str, PsaResource]

    def catalog_topic(self, topic: str) -> str | None:
        """The catalog topic a taxonomy topic maps to (None: no PSA exists for it)."""
        return self.topic_map.get(topic)

    def _candidates(self, catalog_topic: str, country: str) -> list[CatalogEntry]:
        for candidate_topic in (catalog_topic, self.topic_fallback.get(catalog_topic)):
            found = [e for e in self.entries if e.topic == candidate_topic and e.country == country]
            if found:
                return found
        return []

    def resolve(self, topic: str, country: str, language: str) -> PsaChoice | None:
        """Pick by country, then the viewer's language, else the country's main language, else WHO."""
        catalog_topic = self.catalog_topic(topic)
        if catalog_topic is None:
            return None
        candidates = self._candidates(catalog_topic, country.upper())
        if not candidates:
            return PsaChoice(self.who[catalog_topic], True, catalog_topic)
        main = self.country_languages.get(country.upper(), ())[:1]
        for wanted in (language, *main):
            chosen = next((e for e in candidates if wanted in e.languages), None)
            if chosen is not None:
                return PsaChoice(_in_language(chosen.resource, wanted), False, catalog_topic)
        return PsaChoice(candidates[0].resource, False, catalog_topic)


def _in_language(resource: PsaResource, language: str) -> PsaResource:
    return (
        resource
        if resource.language == language
        else PsaResource(**{**asdict(resource), "language": language})
    )


def _entry(row: Mapping[str, Any]) -> CatalogEntry:
    languages = tuple(row["languages"])
    resource = PsaResource(
        organization=row["organization"],
        name=row.get("name", ""),
        phone=row.get("phone"),
        text=row.get("text"),
        url=row.get("url"),
        language=languages[0],
        source=row["source"],
        confidence=row.get("confidence", "medium"),
    )
    return CatalogEntry(row["ref"], row["topic"], row["country"], languages, resource)


def _who(data: Mapping[str, Any]) -> dict[str, PsaResource]:
    return {
        topic: PsaResource(
            WHO,
            spec["name"],
            None,
            None,
            spec["url"],
            "en",
            "../shared/psa_resources.yaml global.who_pages",
            spec.get("confidence", "medium"),
        )
        for topic, spec in data["who_fallback"].items()
    }


def build_catalog(data: Mapping[str, Any]) -> PsaCatalog:
    """Build a catalog from a parsed document (exposed for tests)."""
    try:
        return PsaCatalog(
            version=str(data["version"]),
            topic_map=MappingProxyType(dict(data["topic_map"])),
            topic_fallback=MappingProxyType(dict(data.get("topic_fallback", {}))),
            country_languages=MappingProxyType({c: tuple(v) for c, v in data["country_languages"].items()}),
            entries=tuple(_entry(row) for row in data["resources"]),
            who=MappingProxyType(_who(data)),
        )
    except (KeyError, TypeError, IndexError) as exc:
        raise InfrastructureError(f"PSA catalog is malformed: {exc!r}", reason="psa_catalog_invalid") from exc


@lru_cache(maxsize=4)
def _load(path: Path) -> PsaCatalog:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InfrastructureError(
            f"cannot read PSA catalog {path}: {exc}", reason="psa_catalog_invalid"
        ) from exc
    return build_catalog(data)


def load_psa_catalog(path: str | Path | None = None) -> PsaCatalog:
    """Load the PSA catalog (the packaged one by default); cached, so once per process."""
    return _load(Path(path or DEFAULT_PATH).resolve())
