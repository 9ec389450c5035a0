"""Pixels out of a Pillow image into a packed H×W×3 numpy array, in one cheap pass.

Pillow keeps an RGB image at 4 bytes a pixel. `np.asarray(image)` and `image.tobytes()` pack
it to 3 through 64 KB chunks, then join the chunks into a fresh bytes object: two copies and
a new allocation, ~4–7 ms for the 2000×1500 image a 12 MP JPEG decodes to, a tenth of the
decode itself. Pillow (≥ 11.2) also lends an image's memory, without copying, through the
Arrow C data interface when the image lies in one block; we read that standard, versioned C
struct with ctypes and let one OpenCV pass pack it (~1 ms). Anything else (an older Pillow,
a bigger image, an unexpected layout) takes the `tobytes` way.

Pillow's blocks are 16 MB by default (4 MP), less than the 2560×1920 the visitor page sends;
importing this module raises them to 64 MB (unless PILLOW_BLOCK_SIZE says otherwise), so
every image the pipeline decodes lies in one. That also spares a 2560×1920 upload a fresh
two-block allocation per photo: ~9,000 page faults, ~13 ms of a ~70 ms pipeline here.
"""

from __future__ import annotations

import ctypes
import os

import cv2
import numpy as np
from PIL import Image


class _ArrowSchema(ctypes.Structure):
    pass


_ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowSchema))),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]


class _ArrowArray(ctypes.Structure):
    pass


_ArrowArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowArray))),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]

BLOCK_SIZE = 64 * 1024 * 1024
if "PILLOW_BLOCK_SIZE" not in os.environ:
    Image.core.set_block_size(BLOCK_SIZE)

_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

_CODES = {
    "RGB": cv2.COLOR_RGBA2RGB,
    "BGR": cv2.COLOR_RGBA2BGR,
}


def _from_arrow(image: Image.Image, code: int) -> np.ndarray | None:
    try:
        schema_capsule, array_capsule = image.__arrow_c_array__()
    except Exception:  # no Arrow in this Pillow, or the image spans several blocks
        return None
    schema = _ArrowSchema.from_address(_capsule_pointer(schema_capsule, b"arrow_schema"))
    array = _ArrowArray.from_address(_capsule_pointer(array_capsule, b"arrow_array"))
    width, height = image.size
    # One fixed-size list of 4 bytes per pixel, rows back to back, nothing null.
    if (
        schema.format != b"+w:4"
        or schema.n_children != 1
        or schema.children[0].contents.format != b"C"
        or (array.length, array.offset, array.null_count, array.n_children)
        != (width * height, 0, 0, 1)
    ):
        return None
    values = array.children[0].contents
    if (values.length, values.offset, values.n_buffers) != (4 * width * height, 0, 2):
        return None
    lent = (ctypes.c_uint8 * values.length).from_address(values.buffers[1])
    packed = cv2.cvtColor(np.frombuffer(lent, np.uint8).reshape(height, width, 4), code)
    del lent  # the capsules, alive until we return, keep Pillow's memory lent until then
    return packed


def packed(image: Image.Image, order: str = "RGB") -> np.ndarray:
    """An "RGB" image's pixels as a new H×W×3 uint8 array in `order` ("RGB" or "BGR")."""
    if image.mode != "RGB":
        raise ValueError(f"expected an RGB image, got {image.mode}")
    found = _from_arrow(image, _CODES[order])
    if found is not None:
        return found
    width, height = image.size
    return np.frombuffer(image.tobytes("raw", order), np.uint8).reshape(height, width, 3)
