"""The UploadEvent contract rules Avro cannot express, checked in one place by both ends of the pipe.

The publisher (``workers.publisher.UploadPublisher``) refuses an upload that breaks them; the first stage
that consumes uploads.new (transcribe) checks them again, because not every producer goes through the
publisher. An upload with an empty ``event_id`` would give every derived record the same deterministic
id, so downstream de-duplication would keep one answer and silently drop the rest; a region outside
ISO 3166-1 would route to no help line. Every problem is named at once: one dead letter, one fix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workers.errors import InvalidEventError

# ISO 3166-1 alpha-2, the officially assigned codes, plus XK (Kosovo: user-assigned, used by platforms).
ISO_3166_ALPHA2 = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
YT ZA ZM ZW XK
""".split())

# ISO 639-1 two-letter language codes (bh, deprecated, kept: old clients still send it).
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz
ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik
io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml
mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd
se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi
vo wa wo xh yi yo za zh zu
""".split())

# Sane sizes: far above any real upload, low enough that one record cannot stall a stage.
MAX_ID_CHARS = 256
MAX_CAPTION_CHARS = 10_000
MAX_HASHTAGS = 100
MAX_HASHTAG_CHARS = 100
MAX_URI_CHARS = 4_096
MAX_DURATION_MS = 24 * 3600 * 1000


def _show(value: Any) -> str:
    """A value for a problem message, cut short (a dead letter's message holds 2,000 characters)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _ids(upload: dict[str, Any]) -> list[str]:
    problems = []
    for key in ("event_id", "video_id", "creator_id"):
        value = upload.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be a non-empty string")
        elif len(value) > MAX_ID_CHARS:
            problems.append(f"{key} is {len(value)} characters (at most {MAX_ID_CHARS})")
    return problems


def _codes(upload: dict[str, Any]) -> list[str]:
    problems = []
    region = upload.get("region")
    if not isinstance(region, str) or region not in ISO_3166_ALPHA2:
        problems.append(f"region {_show(region)} is not an ISO 3166-1 alpha-2 code (e.g. 'ID')")
    language = upload.get("declared_language")
    if language is not None and (not isinstance(language, str) or language not in ISO_639_1):
        problems.append(f"declared_language {_show(language)} is not an ISO 639-1 code (e.g. 'id')")
    return problems


def _hashtags(upload: dict[str, Any]) -> list[str]:
    tags = upload.get("hashtags", [])
    if not isinstance(tags, list) or any(not isinstance(h, str) for h in tags):
        return ["hashtags must be a list of strings without the leading '#'"]
    problems = []
    if any(h.startswith("#") for h in tags):
        problems.append("hashtags must be a list of strings without the leading '#'")
    if any(not h.strip() for h in tags):
        problems.append("hashtags must not be empty")
    if len(tags) > MAX_HASHTAGS:
        problems.append(f"{len(tags)} hashtags (at most {MAX_HASHTAGS})")
    if any(len(h) > MAX_HASHTAG_CHARS for h in tags):
        problems.append(f"a hashtag is longer than {MAX_HASHTAG_CHARS} characters")
    return problems


def _sizes(upload: dict[str, Any]) -> list[str]:
    problems = []
    uploaded_at = upload.get("uploaded_at")
    if isinstance(uploaded_at, bool) or not isinstance(uploaded_at, int | datetime):
        problems.append("uploaded_at must be epoch milliseconds (int) or a datetime")
    elif (uploaded_at.timestamp() if isinstance(uploaded_at, datetime) else uploaded_at) < 0:
        problems.append(f"uploaded_at {_show(uploaded_at)} is before 1970")
    caption = upload.get("caption", "")
    if not isinstance(caption, str):
        problems.append("caption must be a string")
    elif len(caption) > MAX_CAPTION_CHARS:
        problems.append(f"caption is {len(caption)} characters (at most {MAX_CAPTION_CHARS})")
    uri = upload.get("audio_uri")
    if uri is not None and (not isinstance(uri, str) or not uri.strip() or len(uri) > MAX_URI_CHARS):
        problems.append(f"audio_uri must be null or a non-empty string of at most {MAX_URI_CHARS} characters")
    duration = upload.get("duration_ms")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)
                                 or not 0 <= duration <= MAX_DURATION_MS):
        problems.append(f"duration_ms {_show(duration)} is not between 0 and {MAX_DURATION_MS} (24 h)")
    return problems


def upload_problems(upload: Any) -> list[str]:
    """Every contract rule ``upload`` breaks, in a stable order (empty: it keeps them all)."""
    if not isinstance(upload, dict):
        return [f"an UploadEvent must be a record, not {type(upload).__name__}"]
    return [*_ids(upload), *_codes(upload), *_hashtags(upload), *_sizes(upload)]


def validate_upload(upload: dict[str, Any]) -> dict[str, Any]:
    """``upload`` itself when it keeps every rule; else InvalidEventError naming every problem."""
    problems = upload_problems(upload)
    if problems:
        raise InvalidEventError("invalid UploadEvent: " + "; ".join(problems))
    return upload
