"""The image-safety check's false positives: open_nsfw's score, through the real pipeline, of
every safe image this project's tests and samples use.

    python bench/safety.py            # every image: ~30 s on 2 cores
    python bench/safety.py --quick    # the samples and the first 60 corpus files

The images: wall/samples (8 photos), every file of tests/corpus/pillow-tests (Pillow's test
images the project carries, with their licence) that the upload pipeline accepts, and the synthetic
photos the tests make (tests/helpers/images: coloured noise over a ramp, on a grid of colours;
the samples shifted and cropped; the fake Mastodon's crops). None is explicit: every score at
or above a threshold is a false positive. Prints progress on stderr and ONE JSON object on
stdout's last line: per set and overall, the quantiles, the count at or above each threshold,
and the highest-scoring files.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path: the repository goes first instead.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

import numpy as np  # noqa: E402

from ingest.errors import Refused  # noqa: E402
from ingest.pipeline import PipelineSpec, process  # noqa: E402
from tests.helpers import images  # noqa: E402
from tests.helpers.fake_mastodon import sample_photos  # noqa: E402
from wall.config import ModerationSection  # noqa: E402

SAMPLES = sorted((REPO / "wall" / "samples").glob("*.jpg"))
CORPUS = sorted((REPO / "tests" / "corpus" / "pillow-tests").glob("*"))
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SPEC = PipelineSpec(detect_faces=False)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _synthetic(quick: bool) -> Iterator[tuple[str, bytes]]:
    step = 120 if quick else 40
    for colour in itertools.product(range(0, 256, step), repeat=3):
        yield f"textured{colour}", images.distinctive_jpeg(colour, (400, 300))
    for i, data in enumerate(images.distinct_photos(SAMPLES[0].parent, 8 if quick else 24)):
        yield f"distinct_photos[{i}]", data
    for i, data in enumerate(sample_photos(4 if quick else 16)):
        yield f"fake_mastodon[{i}]", data


def _files(paths: Sequence[Path]) -> Iterator[tuple[str, bytes]]:
    for path in paths:
        if path.is_file() and not path.name.startswith("LICENSE"):
            yield path.name, path.read_bytes()


def _scores(named: Iterator[tuple[str, bytes]]) -> tuple[dict[str, float], int]:
    """Scores of what the pipeline takes; the count of files it refuses (not images)."""
    scores: dict[str, float] = {}
    refused = 0
    for name, data in named:
        try:
            signals = process(data, SPEC, None).signals
        except Refused:
            refused += 1
            continue
        assert signals.nsfw_score is not None
        scores[name] = signals.nsfw_score
    return scores, refused


def summary(scores: dict[str, float], flag: float, hold: float) -> dict[str, Any]:
    values = np.array(sorted(scores.values()))
    top = sorted(scores.items(), key=lambda kv: -kv[1])[:8]
    return {
        "images": len(values),
        "quantiles": {
            q: round(float(np.quantile(values, float(q))), 4)
            for q in ("0.5", "0.9", "0.95", "0.99")
        },
        "max": round(float(values.max()), 4),
        "at_or_above": {str(t): int((values >= t).sum()) for t in THRESHOLDS},
        "false_positive_rate_flag": round(float((values >= flag).mean()), 4),
        "false_positive_rate_hold": round(float((values >= hold).mean()), 4),
        "highest": [[name, score] for name, score in top],
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset: a few seconds")
    quick = parser.parse_args(argv).quick
    defaults = ModerationSection()
    flag, hold = defaults.safety_flag_threshold, defaults.safety_hold_threshold
    sets = {
        "samples": _files(SAMPLES),
        "corpus": _files(CORPUS[:60] if quick else CORPUS),
        "synthetic": _synthetic(quick),
    }
    report: dict[str, Any] = {"mode": "quick" if quick else "full", "flag": flag, "hold": hold}
    every: dict[str, float] = {}
    for name, named in sets.items():
        log(f"scoring {name}")
        start = time.process_time()
        scores, refused = _scores(named)
        cpu_ms = (time.process_time() - start) * 1000 / max(1, len(scores) + refused)
        report[name] = {**summary(scores, flag, hold), "refused_files": refused}
        report[name]["cpu_ms_per_image"] = round(cpu_ms, 1)
        every.update({f"{name}/{key}": score for key, score in scores.items()})
    report["all"] = summary(every, flag, hold)
    return report


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
