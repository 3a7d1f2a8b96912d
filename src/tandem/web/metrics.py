"""`GET /metrics` (BEY-4): every process's figures (`runtime.metrics`) in Prometheus' text
format, for a scraper that shows the metrics token: `Authorization: Bearer <metrics_token>`.

No token configured: the figures are off (403, saying how to turn them on); a missing or
wrong token: 401. The token is compared in constant time and never logged or shown.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from tandem.runtime import metrics
from tandem.web.context import web

router = APIRouter(include_in_schema=False)

OFF = "Metrics are off: set metrics_token (TANDEM_METRICS_TOKEN) and scrape with that bearer token.\n"


@router.get("/metrics")
def figures(request: Request) -> Response:
    wanted = web(request).metrics_token
    if not wanted:
        return Response(OFF, status_code=403, media_type="text/plain")
    scheme, _, shown = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(shown.strip().encode(), wanted.encode()):
        return Response(
            "A bearer token is needed: the metrics token.\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="tandem metrics"'},
        )
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
