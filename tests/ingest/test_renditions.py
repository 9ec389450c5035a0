"""Renditions of extreme shapes: every size the pipeline may meet resizes and encodes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ingest.pipeline import PipelineSpec, process


@pytest.mark.parametrize("size", [(3000, 2), (2, 3000), (4000, 1), (1, 1), (129, 128)])
def test_extreme_shapes_get_every_rendition(size: tuple[int, int]) -> None:
    pixels = np.random.default_rng(3).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    processed = process(buffer.getvalue(), PipelineSpec(detect_faces=False), None)
    for rendition in processed.renditions:
        assert Image.open(io.BytesIO(rendition.data)).size == (rendition.width, rendition.height)
        assert max(rendition.width, rendition.height) >= 1
