"""The served OpenAPI schema documents every API endpoint; the API browser works offline."""

import re
from typing import Any

from litestar.testing import TestClient


def test_every_api_route_is_documented_with_its_models(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    paths = schema["paths"]
    for route in client.app.routes:
        if not route.path.startswith("/api") or route.path.endswith("/live"):
            continue
        path = re.sub(r":\w+}", "}", route.path)
        assert path in paths, path
        for method in getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}:
            op = paths[path][method.lower()]
            assert op.get("summary"), (method, path)
            assert "401" in op["responses"] and "403" in op["responses"], (method, path)
            if "requestBody" in op:
                assert "422" in op["responses"], (method, path)
    put = paths["/api/operations/{code}/returns/{country}/{day}"]["put"]
    body = put["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/ReturnIn")
    assert {"201", "200", "409", "412"} <= set(put["responses"])
    for fmt, media in (("html", "text/html"), ("pdf", "application/pdf"), ("csv", "text/csv")):
        report = paths[f"/api/operations/{{code}}/report.{fmt}"]["get"]["responses"]
        assert list(report["200"]["content"]) == [media], fmt
    assert not [path for path in paths if path.startswith("/schema")]  # pages, not the API
    seizure = schema["components"]["schemas"]["SeizureIn"]["properties"]
    assert seizure["category"]["$ref"].endswith("/Category")
    assert "coins" in schema["components"]["schemas"]["Category"]["enum"]


def test_api_browser_loads_nothing_from_outside(client: TestClient[Any]) -> None:
    page = client.get("/schema/swagger")
    assert page.status_code == 200
    loads = re.findall(r'(?:src|href)=["\'](https?:[^"\']+)', page.text)
    assert loads == []
    for asset in re.findall(r'(?:src|href)=["\'](/static/[^"\']+)', page.text):
        assert client.get(asset).status_code == 200, asset
