"""Google's batch format: multipart/mixed in, multipart/mixed out.

Each request part is `Content-Type: application/http` holding a whole HTTP request (its own
`Authorization`; headers of the outer request apply to every part unless the part sets
them). Each response part answers one request, in order, under `Content-ID:
<response-ID>` where ID is the request part's Content-ID. At most 1000 parts; more is 400
for the whole batch. google-api-python-client writes LF line ends, others CRLF: both parse.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit

from tandem.emulators.google import errors
from tandem.emulators.google.dispatch import ApiRequest, ApiResponse

MAX_PARTS = 1000
_NOT_INHERITED = ("content-type", "content-length", "content-transfer-encoding", "content-id", "host")


@dataclass(frozen=True, slots=True)
class BatchPart:
    content_id: str | None
    request: ApiRequest


def boundary_of(content_type: str) -> str | None:
    kind, _, rest = content_type.partition(";")
    if kind.strip().lower() != "multipart/mixed":
        return None
    for parameter in rest.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip().strip('"')
    return None


def _split_head(text: str) -> tuple[dict[str, str], str]:
    """Header lines (lower-case names) and what follows the first empty line."""
    ends = [(i, len(sep)) for sep in ("\r\n\r\n", "\n\n") if (i := text.find(sep)) >= 0]
    if not ends:
        head, rest = text, ""
    else:
        index, length = min(ends)
        head, rest = text[:index], text[index + length :]
    headers: dict[str, str] = {}
    for line in head.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, rest


def _strip_one_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _inner_request(payload: str, inherited: Mapping[str, str]) -> ApiRequest:
    payload = payload.lstrip("\r\n")
    request_line, _, rest = payload.partition("\n")
    parts = request_line.strip().split(" ")
    if len(parts) < 2:
        raise errors.bad_request("Invalid batch request: bad request line.")
    target = urlsplit(parts[1])
    headers, body = _split_head(rest)
    merged = {**inherited, **headers}
    return ApiRequest(
        method=parts[0].upper(),
        path=unquote(target.path),
        query=parse_qs(target.query, keep_blank_values=True),
        headers=merged,
        body=body.encode("utf-8"),
    )


def parse_batch(content_type: str, body: bytes, outer_headers: Mapping[str, str]) -> list[BatchPart]:
    boundary = boundary_of(content_type)
    if boundary is None:
        raise errors.bad_request("Batch requests must be multipart/mixed with a boundary.")
    inherited = {k: v for k, v in outer_headers.items() if k not in _NOT_INHERITED}
    segments = body.decode("utf-8").split("--" + boundary)
    parts: list[BatchPart] = []
    for segment in segments[1:]:
        if segment.startswith("--"):
            break
        mime_headers, payload = _split_head(segment.lstrip("\r\n").lstrip(" \t"))
        if not mime_headers and not payload.strip():
            continue
        content_id = mime_headers.get("content-id")
        parts.append(BatchPart(content_id, _inner_request(_strip_one_newline(payload), inherited)))
        if len(parts) > MAX_PARTS:
            raise errors.bad_request(f"A batch request cannot contain more than {MAX_PARTS} requests.")
    if not parts:
        raise errors.bad_request("Invalid multipart request with 0 mime parts.")
    return parts


def response_id(content_id: str | None, index: int) -> str:
    inner = content_id.strip().removeprefix("<").removesuffix(">") if content_id else str(index + 1)
    return f"<response-{inner}>"


def render_batch(answers: list[tuple[str | None, ApiResponse]]) -> tuple[bytes, str]:
    """The multipart/mixed body and its Content-Type."""
    boundary = "batch_" + secrets.token_hex(12)
    chunks: list[str] = []
    for index, (content_id, response) in enumerate(answers):
        content = response.content().decode("utf-8")
        lines = [
            f"--{boundary}",
            "Content-Type: application/http",
            f"Content-ID: {response_id(content_id, index)}",
            "",
            f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}",
        ]
        if response.body is not None:
            lines.append("Content-Type: application/json; charset=UTF-8")
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        lines += [f"Content-Length: {len(content.encode('utf-8'))}", "", content]
        chunks.append("\r\n".join(lines))
    chunks.append(f"--{boundary}--\r\n")
    return "\r\n".join(chunks).encode("utf-8"), f"multipart/mixed; boundary={boundary}"
