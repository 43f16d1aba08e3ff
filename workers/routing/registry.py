"""The Fides creator registry as pure functions over FidesCreator records (the agent keeps a Faust table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workers.errors import InvalidEventError

ACTIONS = ("join", "update", "leave")


@dataclass(frozen=True)
class FidesCreatorInfo:
    """A current Fides network member.

    Attributes:
        creator_id: platform creator id.
        display_name: public name.
        organization: health organization, if any.
        specialties: taxonomy topic ids the creator is vetted for; empty = all health topics.
        countries: ISO 3166-1 alpha-2 countries the creator is active in.
    """

    creator_id: str
    display_name: str = ""
    organization: str | None = None
    specialties: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> FidesCreatorInfo:
        """Build from a stored FidesCreator record."""
        return cls(
            creator_id=str(record["creator_id"]),
            display_name=str(record.get("display_name") or ""),
            organization=record.get("organization"),
            specialties=tuple(record.get("specialties") or ()),
            countries=tuple(record.get("countries") or ()),
        )

    def vetted_for(self, topic: str) -> bool:
        """Whether the creator may be boosted for ``topic``."""
        return not self.specialties or topic in self.specialties


def apply_creator_change(current: dict | None, change: dict | None) -> dict | None:
    """The stored record after a registry change: join/update -> the record; leave or tombstone -> None.

    An update for a creator not in the registry stores it (compacted topics may lose the join); an
    out-of-order change (older ``updated_at`` than what is stored) is ignored.
    """
    if change is None:
        return None
    action = change.get("action", "update")
    if action not in ACTIONS or not change.get("creator_id"):
        raise InvalidEventError(f"bad registry change: action={action!r}", reason="invalid_event")
    if current is not None and int(change.get("updated_at", 0)) < int(current.get("updated_at", 0)):
        return current
    return None if action == "leave" else dict(change)
