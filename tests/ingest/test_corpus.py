"""Every file of the hostile corpus, posted as a visitor would, against the real server.

Every answer is a 201 or the contract's 4xx; nothing is a 5xx, nothing hangs, memory stays
flat, and what is served back is a clean JPEG.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import CORPUS_DIR
from tests.helpers import http
from tests.helpers.server import LiveServer
from tests.helpers.uploads import (
    CONTRACT_ERRORS,
    CORPUS_THREADS,
    DECLARED_TYPES,
    MAX_SECONDS_PER_FILE,
    MAX_SERVER_RSS,
    MEDIA_NAME,
    RENDITION_SAMPLE,
    REQUEST_TIMEOUT_S,
    Answer,
    RssSampler,
    assert_clean_jpeg,
    fetch_rendition,
    magic,
    post,
)


@dataclass
class CorpusPoster:
    """Posts files as a visitor's phone would, one keep-alive connection per thread."""

    url: str
    _local: threading.local = field(default_factory=threading.local)
    _clients: list[httpx.Client] = field(default_factory=list)

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = http.client(self.url, timeout=REQUEST_TIMEOUT_S)
            self._clients.append(client)
        return client

    def post(self, path: Path) -> Answer:
        data = path.read_bytes()
        rng = random.Random(path.name)  # any name, any declared type; the same on every run
        filename = rng.choice([path.name, "IMG_0001.JPG", "photo.heic", "image", "../x.png"])
        started = time.monotonic()
        response = post(self._client(), data, filename, rng.choice(DECLARED_TYPES))
        seconds = time.monotonic() - started
        is_json = response.headers.get("content-type", "").startswith("application/json")
        return Answer(
            path.name,
            magic(data),
            response.status_code,
            response.json() if is_json else {},
            seconds,
        )

    def close(self) -> None:
        for client in self._clients:
            client.close()


def _contract_violations(answers: list[Answer]) -> list[str]:
    problems = []
    for answer in answers:
        code = answer.body.get("error", {}).get("code")
        if answer.status == 201:
            if answer.magic not in ("jpeg", "png", "webp", "isobmff"):
                problems.append(f"{answer.name}: accepted a {answer.magic} file")
        elif code not in CONTRACT_ERRORS.get(answer.status, set()):
            problems.append(f"{answer.name}: {answer.status} {code!r}")
        if answer.magic in ("other", "avif") and answer.status != 415:
            problems.append(f"{answer.name}: {answer.magic} magic answered {answer.status}")
    return problems


def _messages_by_code(answers: list[Answer]) -> dict[str, set[str]]:
    messages: dict[str, set[str]] = defaultdict(set)
    for answer in answers:
        if "error" in answer.body:
            messages[answer.body["error"]["code"]].add(answer.body["error"]["message"])
    return messages


def _rendition_sample(answers: list[Answer]) -> list[Answer]:
    """Every accepted file whose name promises metadata, and an even spread of the rest."""
    fresh = [a for a in answers if a.status == 201 and a.body["status"] == "pending"]
    tricky = [a for a in fresh if re.search(r"exif|xmp|gps|orient|icc|iptc", a.name, re.I)]
    rest = [a for a in fresh if a not in tricky]
    step = max(1, len(rest) // RENDITION_SAMPLE)
    return tricky + rest[::step]


def test_every_corpus_file_gets_a_contract_answer(
    process_server: LiveServer, record_property: Callable[[str, object], None]
) -> None:
    paths = sorted(p for p in CORPUS_DIR.rglob("*") if p.is_file())
    assert len(paths) > 700, f"corpus missing or incomplete at {CORPUS_DIR}"
    poster = CorpusPoster(process_server.url)
    assert process_server.process is not None
    with (
        RssSampler(process_server.process.pid).running() as memory,
        ThreadPoolExecutor(CORPUS_THREADS) as pool,
    ):
        answers = list(pool.map(poster.post, paths))
    poster.close()

    assert not _contract_violations(answers)
    slowest = max(answers, key=lambda a: a.seconds)
    record_property("slowest_upload", f"{slowest.name} {slowest.seconds:.2f}s")
    record_property("peak_server_rss_mib", memory.peak >> 20)
    assert slowest.seconds < MAX_SECONDS_PER_FILE, slowest
    assert memory.peak < MAX_SERVER_RSS
    # One translated message per code: no parser's text reaches the visitor.
    assert all(len(texts) == 1 for texts in _messages_by_code(answers).values())
    statuses = {a.status for a in answers}
    assert {201, 415, 422} <= statuses  # the corpus has all three kinds; a blanket answer fails

    assert process_server.alive()
    with process_server.client() as client:
        assert client.get("/healthz").status_code == 200
        for answer in _rendition_sample(answers):
            photo_id, token = answer.body["id"], answer.body["receipt_token"]
            assert_clean_jpeg(fetch_rendition(client, photo_id, token))
    media = process_server.data_dir / "media"
    assert all(MEDIA_NAME.match(p.name) for p in media.rglob("*") if p.is_file())
