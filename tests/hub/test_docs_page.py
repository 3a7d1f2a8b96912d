"""`/docs` works offline: Swagger UI's files come from this server, none from a CDN, and
its start-up is a file, so the page's Content-Security-Policy allows no inline script
(issue 11, item 7)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tandem import bootstrap

ADDRESSES = re.compile(r'(?:src|href)="([^"]*)"')


def test_the_api_docs_use_only_this_servers_files_and_each_is_served(tandem: bootstrap.Tandem) -> None:
    client = TestClient(tandem.app())
    page = client.get("/docs")
    assert page.status_code == 200
    addresses = ADDRESSES.findall(page.text)
    assert {a.rsplit("/", 1)[1] for a in addresses} >= {"swagger-ui-bundle.js", "swagger-ui.css", "swagger-init.js"}
    for address in addresses:
        assert address.startswith("/docs/files/"), address  # never another host
        served = client.get(address)
        assert served.status_code == 200, address
        assert served.content, address
    assert re.search(r"<script>|<script [^>]*>[^<]", page.text) is None  # no inline script
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert 'data-openapi-url="/openapi.json"' in page.text
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")  # what Swagger UI 5 reads


def test_an_unknown_docs_file_is_the_apis_json_404(tandem: bootstrap.Tandem) -> None:
    answer = TestClient(tandem.app()).get("/docs/files/nothing.js")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
