"""Quality signals measured on the thumbnail: cheap, and comparable across photo sizes."""

from __future__ import annotations

import cv2
import numpy as np

DARK_LEVEL = 16  # 8-bit gray at or below: crushed shadows
BRIGHT_LEVEL = 240  # at or above: blown highlights


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian: low on blurred or shaken photos."""
    return float(cv2.Laplacian(gray, cv2.CV_32F).var())


def mean_lab(image: np.ndarray, *, bgr: bool = False) -> tuple[float, float, float]:
    """Mean colour in CIE L*a*b* of an RGB (or `bgr`) image, for matching photomosaic cells
    by perceived colour."""
    code = cv2.COLOR_BGR2Lab if bgr else cv2.COLOR_RGB2Lab
    lab = cv2.cvtColor(image.astype(np.float32) / 255.0, code)
    l_star, a_star, b_star = lab.reshape(-1, 3).mean(axis=0)
    return round(float(l_star), 2), round(float(a_star), 2), round(float(b_star), 2)


def clipped(gray: np.ndarray) -> tuple[float, float]:
    total = gray.size or 1
    dark = np.count_nonzero(gray <= DARK_LEVEL) / total
    bright = np.count_nonzero(gray >= BRIGHT_LEVEL) / total
    return round(dark, 4), round(bright, 4)
