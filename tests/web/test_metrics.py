"""`GET /metrics` (BEY-4) asks who is asking: off while no metrics token is set, 401 for any
other bearer (a signed-in admin's session included), the figures for the scraper's token.
tests/e2e/test_observability.py shows the figures of a whole run across both processes."""

from __future__ import annotations

from pydantic import SecretStr

from tandem import bootstrap
from tests.web.support import add_people, browser, signed_in

TOKEN = "scraper-token-for-the-web-test"


def test_bey_4_metrics_are_off_until_a_token_is_set(tandem: bootstrap.Tandem) -> None:
    admin = signed_in(tandem, add_people(tandem).admin)
    answer = admin.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 403
    assert "Metrics are off: set metrics_token" in answer.text


def test_bey_4_metrics_answer_the_scraper_token_only(tandem: bootstrap.Tandem) -> None:
    tandem.settings.metrics_token = SecretStr(TOKEN)
    admin = signed_in(tandem, add_people(tandem).admin)
    scraper = browser(tandem)
    assert admin.get("/metrics").status_code == 401  # a session is not the scraper
    refused = scraper.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    shown = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert shown.status_code == 200
    assert "# TYPE tandem_sync_runs_total counter" in shown.text
    assert TOKEN not in shown.text
