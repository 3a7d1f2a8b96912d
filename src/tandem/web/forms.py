"""POST forms: the urlencoded body as a dict, and the CSRF check every form passes.

The door (`hub.api.door`) has already read the body within its size limit; forms are
parsed here with the standard library: urlencoded forms, and the one multipart form (the
calendar key upload), split on its boundary here and its part headers read by `email`.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import hmac
import urllib.parse
from dataclasses import dataclass, field

from fastapi import Depends, Request

from tandem.web.access import Forbidden, Visit, visit

CSRF_FIELD = "csrf_token"


def sentence(message: str) -> str:
    """A service's problem message as a form shows it: a capital first, a full stop last."""
    text = message[:1].upper() + message[1:]
    return text if text.endswith(".") else text + "."


async def fields(request: Request) -> dict[str, str]:
    """The form's fields (the first value of each name)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[0] for name, values in urllib.parse.parse_qs(body, keep_blank_values=True).items()}


def form(seen: Visit = Depends(visit), sent: dict[str, str] = Depends(fields)) -> dict[str, str]:
    """The form's fields, once its CSRF token is this session's (else the 403 page)."""
    _check_csrf(seen, sent)
    return sent


def _check_csrf(seen: Visit, sent: dict[str, str]) -> None:
    token = sent.get(CSRF_FIELD, "")
    if seen.changed or not hmac.compare_digest(token.encode(), seen.session.csrf.encode()):
        raise Forbidden("This form has expired or did not come from this site. Go back, reload the page and try again.")


@dataclass(frozen=True)
class Upload:
    """A multipart form: its text fields, and its files (name -> (file name, content))."""

    fields: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict, repr=False)


async def upload(request: Request, seen: Visit = Depends(visit)) -> Upload:
    """A multipart form's fields and files, once its CSRF token is this session's."""
    content_type = request.headers.get("content-type", "")
    sent = multipart(content_type, await request.body())
    _check_csrf(seen, sent.fields)
    return sent


def multipart(content_type: str, body: bytes) -> Upload:
    """RFC 7578: the parts between `--boundary` lines; each part's headers name it (and its
    file). Anything that is not multipart/form-data is an empty form."""
    header = email.message.Message()
    header["content-type"] = content_type
    boundary = header.get_boundary()
    if header.get_content_type() != "multipart/form-data" or not boundary:
        return Upload({})
    texts: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for raw in (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))[1:]:
        if raw.startswith(b"--"):
            break
        head, _, content = raw.partition(b"\r\n\r\n")
        headers = head.lstrip(b" \t\r\n") + b"\r\n\r\n"  # past the boundary line's end (and any padding)
        part = email.parser.BytesHeaderParser(policy=email.policy.HTTP).parsebytes(headers)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or name in texts or name in files:
            continue
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, content)
        else:
            texts[name] = content.decode("utf-8", errors="replace")
    return Upload(texts, files)
