"""An unknown page address gets the HTML "Not found" page; the API's addresses keep the API's JSON 404."""

from __future__ import annotations

import pytest

from tandem import bootstrap
from tests.web.support import add_people, browser, signed_in


@pytest.mark.parametrize("path", ["/nothing-here", "/week/of/nothing", "/admin/nothing"])
def test_an_unknown_page_gets_the_html_not_found_page(tandem: bootstrap.Tandem, path: str) -> None:
    people = add_people(tandem)
    for client in (browser(tandem), signed_in(tandem, people.user)):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in answer.text
        assert "There is no page at this address." in answer.text
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")
        assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/v1/nothing-here", "/tandem/v1/nothing", "/heartbeat/nothing", "/docs/nothing"])
def test_an_unknown_api_path_keeps_the_apis_json_not_found(tandem: bootstrap.Tandem, path: str) -> None:
    answer = browser(tandem).get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error"]["httpStatusCode"] == 404
    assert "content-security-policy" not in answer.headers
