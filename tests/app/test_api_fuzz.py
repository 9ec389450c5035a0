"""The whole HTTP API fuzzed from its own OpenAPI description (schemathesis, property-based):
no request, anonymous or with an operator's session, makes the real server answer 500.
A 503 is allowed (busy, with Retry-After): it is the API telling the client to wait."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.helpers.accounts import add_account, login
from tests.helpers.server import LiveServer

EXAMPLES = 25  # per operation and run (hypothesis stops sooner where the inputs are few)
PASSWORD = "fuzz-operator-password-1"


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("fuzz")).start()
    add_account(server, "olga", "operator", PASSWORD)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: LiveServer) -> Any:
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")


@pytest.fixture(scope="module")
def operator_headers(fuzzed_server: LiveServer) -> dict[str, str]:
    with login(fuzzed_server, "olga", PASSWORD) as operator:
        cookie = "; ".join(f"{k}={v}" for k, v in operator.cookies.items())
        return {"Cookie": cookie, "X-CSRF-Token": operator.headers["X-CSRF-Token"],
                "Origin": fuzzed_server.url}  # fmt: skip


def _fuzz(api_schema: Any, headers: dict[str, str] | None = None) -> tuple[list[str], Counter[int]]:
    """Every operation, `EXAMPLES` generated requests each; the failures, described, and how
    many answers of each status came back (to see the fuzzing reached past the doors)."""
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            if response.status_code == 500 or (
                response.status_code == 503
                and "retry-after" not in {k.lower() for k in response.headers}
            ):
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:200]}"
                )

        call()
    return failures, statuses


# The operator first: the anonymous run guesses at sign-in until its address is held back.
def test_no_operator_request_is_a_server_error(
    api_schema: Any, operator_headers: dict[str, str]
) -> None:
    failures, statuses = _fuzz(api_schema, operator_headers)
    assert failures == []
    assert sum(n for status, n in statuses.items() if status < 300) >= 10  # signed in


def test_no_anonymous_request_is_a_server_error(api_schema: Any) -> None:
    failures, statuses = _fuzz(api_schema)
    assert failures == []
    assert sum(statuses.values()) >= 150 and statuses[401] > 0
