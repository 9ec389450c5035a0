"""Why a file was refused, with the contract's HTTP status and error code."""

from __future__ import annotations


class Refused(Exception):
    """A file we will not take; `code` is the contract's error code, never a parser's text."""

    def __init__(self, status: int, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.status = status
        self.code = code
        self.detail = detail


def unsupported(detail: str) -> Refused:
    return Refused(415, "unsupported_type", detail)


def undecodable(detail: str) -> Refused:
    return Refused(422, "undecodable", detail)


def too_many_pixels(detail: str) -> Refused:
    return Refused(422, "too_many_pixels", detail)


def too_large(detail: str) -> Refused:
    return Refused(413, "too_large", detail)
