"""POST forms: the urlencoded body as a dict, and the CSRF check every form passes.

The door (`hub.api.door`) has already read the body within its size limit; forms are
parsed here with the standard library (no multipart: no page uploads files yet).
"""

from __future__ import annotations

import hmac
import urllib.parse

from fastapi import Depends, Request

from tandem.web.access import Forbidden, Visit, visit

CSRF_FIELD = "csrf_token"


async def fields(request: Request) -> dict[str, str]:
    """The form's fields (the first value of each name)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[0] for name, values in urllib.parse.parse_qs(body, keep_blank_values=True).items()}


def form(seen: Visit = Depends(visit), sent: dict[str, str] = Depends(fields)) -> dict[str, str]:
    """The form's fields, once its CSRF token is this session's (else the 403 page)."""
    token = sent.get(CSRF_FIELD, "")
    if seen.changed or not hmac.compare_digest(token.encode(), seen.session.csrf.encode()):
        raise Forbidden("This form has expired or did not come from this site. Go back, reload the page and try again.")
    return sent
