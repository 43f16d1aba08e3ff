"""Demo samples are valid uploads; the synthetic music clip is audio without speech."""

from __future__ import annotations

import numpy as np

from workers.contracts import AvroSerde, load_schema_set
from workers.publisher import validate_upload
from workers.samples import sample_creators, sample_uploads, synth_music
from workers.settings import REPO_ROOT


def test_samples_are_valid_and_encodable(tmp_path):
    serde = AvroSerde(load_schema_set(REPO_ROOT / "schemas"))
    uploads = sample_uploads(tmp_path)
    assert len({u["video_id"] for u in uploads}) == len(uploads) >= 10
    for upload in uploads:
        serde.decode("UploadEvent", serde.encode("UploadEvent", validate_upload(upload)))
        if upload["audio_uri"]:
            assert upload["audio_uri"].startswith(tmp_path.resolve().as_uri())
    assert {u["region"] for u in uploads} >= {"US", "GB", "FR", "JP", "KR", "ID", "MX", "BR"}
    for creator in sample_creators():
        serde.decode("FidesCreator", serde.encode("FidesCreator", creator))


def test_synthetic_music_is_bounded_audio():
    music = synth_music(2.0)
    assert music.dtype == np.float32 and music.size == 32_000 and np.abs(music).max() <= 1.5
