"""Google's batch format, both ways. Pure: bytes in, bytes out.

A batch is one `multipart/mixed` POST; each part is `Content-Type: application/http`
holding a whole HTTP request (request line, headers, body) under a `Content-ID`. The
answer is `multipart/mixed` too, one part per request, each an HTTP response under
`Content-ID: <response-ID>`. Google allows at most 1000 parts per batch, and each part
counts against quota as one request (GOOGLE_NOTES.md, "Batch").
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tandem.connectors.google.errors import Answer, Unreadable

MAX_PARTS = 1000
_STATUS_LINE = re.compile(rb"^HTTP/\d(?:\.\d)?\s+(\d{3})")
_CONTENT_ID = re.compile(r"<?\s*response-item-(\d+)\s*>?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PartRequest:
    """One request inside a batch; `target` is the path with its query string."""

    method: str
    target: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


def new_boundary() -> str:
    return "tandem_" + secrets.token_hex(16)


def encode(parts: Sequence[PartRequest], boundary: str) -> bytes:
    """The multipart body; part i goes under `Content-ID: <item-i>`."""
    if not 0 < len(parts) <= MAX_PARTS:
        raise ValueError(f"a batch holds 1 to {MAX_PARTS} parts, not {len(parts)}")
    chunks: list[bytes] = []
    for index, part in enumerate(parts):
        head = [
            f"--{boundary}",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            f"Content-ID: <item-{index}>",
            "",
            f"{part.method} {part.target} HTTP/1.1",
        ]
        head += [f"{name}: {value}" for name, value in part.headers.items()]
        if part.body is not None:
            head += ["Content-Type: application/json; charset=UTF-8", f"Content-Length: {len(part.body)}"]
        chunks.append(("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + (part.body or b"") + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)


def boundary_of(content_type: str) -> str | None:
    kind, _, rest = content_type.partition(";")
    if kind.strip().lower() != "multipart/mixed":
        return None
    for parameter in rest.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip():
            return value.strip().strip('"')
    return None


def _head_and_rest(data: bytes) -> tuple[dict[str, str], bytes]:
    """Header lines (lower-case names) up to the first empty line, and what follows it."""
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := data.find(sep)) >= 0]
    if not ends:
        return {}, b""
    index, length = min(ends)
    headers: dict[str, str] = {}
    for line in data[:index].decode("latin-1").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, data[index + length :]


def _answer(segment: bytes) -> tuple[int | None, Answer]:
    """(request index from the Content-ID, the inner HTTP response) of one part."""
    mime, payload = _head_and_rest(segment.lstrip(b"\r\n"))
    payload = payload.lstrip(b"\r\n")
    match = _STATUS_LINE.match(payload)
    if match is None:
        raise Unreadable("a batch answer part without an HTTP status line")
    line_end = payload.find(b"\n")
    headers, body = _head_and_rest(payload[line_end + 1 :] if line_end >= 0 else b"")
    length = headers.get("content-length")
    body = body[: int(length)] if length is not None and length.isdigit() else body.rstrip(b"\r\n")
    found = _CONTENT_ID.fullmatch(mime.get("content-id", "").strip())
    return (int(found.group(1)) if found else None), Answer(int(match.group(1)), headers, body)


def decode(content_type: str, content: bytes, expected: int) -> list[Answer]:
    """The `expected` answers in request order (matched by Content-ID, else by position)."""
    boundary = boundary_of(content_type)
    if boundary is None:
        raise Unreadable(f"a batch answer that is not multipart/mixed ({content_type or 'no content type'})")
    answers: dict[int, Answer] = {}
    position = 0
    for segment in content.split(b"--" + boundary.encode("latin-1"))[1:]:
        if segment.startswith(b"--"):
            break
        if not segment.strip():
            continue
        index, answer = _answer(segment)
        answers[index if index is not None else position] = answer
        position += 1
    if sorted(answers) != list(range(expected)):
        raise Unreadable(f"a batch answer with {len(answers)} parts for {expected} requests")
    return [answers[i] for i in range(expected)]
