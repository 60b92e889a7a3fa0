"""The served OpenAPI schema documents every API endpoint; the API browser works offline."""

import json
import re
from collections.abc import Iterator
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


def test_schema_declares_the_bearer_scheme_for_every_operation(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerToken"]["type"] == "http"
    assert schemes["BearerToken"]["scheme"] == "bearer"
    assert schema["security"] == [{"BearerToken": []}]
    for ops in schema["paths"].values():
        for op in ops.values():
            assert op.get("security", schema["security"]) == [{"BearerToken": []}]


def _examples(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("examples", "example"):
                yield value
            yield from _examples(value)
    elif isinstance(node, list):
        for item in node:
            yield from _examples(item)


def test_error_examples_are_real_bodies_not_random_strings(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    gibberish = re.compile(r"^[A-Za-z]{20}$")  # what polyfactory makes up for a str
    for example in _examples(schema):
        for text in re.findall(r'"([^"]*)"', json.dumps(example)):
            assert not gibberish.match(text), example
    assert "examples" not in schema["components"]["schemas"]["ErrorBody"]
    put = schema["paths"]["/api/operations/{code}/returns/{country}/{day}"]["put"]
    for status, response in put["responses"].items():
        if not status.startswith("4"):
            continue
        content = response["content"]["application/json"]
        bodies = [e["value"] for e in content.get("examples", {}).values()]
        assert bodies, status
        assert all(body["status_code"] == int(status) for body in bodies), status
        assert all(body["errors"] and body["detail"] for body in bodies), status
