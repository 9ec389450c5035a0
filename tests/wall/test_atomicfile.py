"""A file written with its new folders survives a power cut: each new folder's entry is
synced in its parent, then the file, then its folder. Watched from outside with strace, as
the reviewers checked the upload path."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OPENED_FOLDER = r'openat\(AT_FDCWD, "([^"]+)", [^)]*O_DIRECTORY[^)]*\) = (\d+)'


def test_new_media_folders_are_synced_in_their_parents(tmp_path: Path) -> None:
    strace = shutil.which("strace")
    if strace is None:
        pytest.fail("strace is needed (apt install strace; .ci/run does)")
    media = tmp_path / "media"
    media.mkdir()
    target = media / "ab" / "cd" / "abcd.jpg"
    trace = tmp_path / "trace.txt"
    script = (
        "from pathlib import Path; from wall.atomicfile import write_atomic; "
        f"write_atomic(Path({str(target)!r}), b'photo')"
    )
    subprocess.run(
        [strace, "-f", "-e", "trace=openat,fsync", "-o", str(trace), sys.executable, "-c", script],
        check=True,
        capture_output=True,
        timeout=60,
    )
    fds: dict[str, list[str]] = {}
    synced: set[str] = set()
    for line in trace.read_text().splitlines():
        if opened := re.search(
            r'openat\(AT_FDCWD, "([^"]+)", [^)]*O_DIRECTORY[^)]*\) = (\d+)', line
        ):
            fds.setdefault(opened.group(2), []).append(opened.group(1))
        elif fsync := re.search(r"fsync\((\d+)\) += 0", line):
            synced.update(fds.get(fsync.group(1), [])[-1:])
    assert target.read_bytes() == b"photo"
    for folder in (media, media / "ab", media / "ab" / "cd"):
        assert str(folder) in synced, f"{folder} not synced: {sorted(synced)}"
