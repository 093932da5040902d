"""The OpenAPI document the server serves is valid OpenAPI 3, by an independent validator."""

import urllib.request

import yaml
from openapi_spec_validator import validate

from darkroom_process import serve


def test_the_served_document_is_valid_openapi(tmp_path):
    server = serve(tmp_path / "data")
    try:
        with urllib.request.urlopen(server.url + "/openapi.yaml") as response:
            assert response.headers["Content-Type"] == "application/yaml"
            document = yaml.safe_load(response.read())
        validate(document)
        assert document["openapi"].startswith("3.")
        assert {"/api/images", "/api/images/{id}", "/api/events", "/api/recipes"} <= set(document["paths"])
    finally:
        server.stop()
