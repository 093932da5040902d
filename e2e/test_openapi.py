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


def test_schemathesis_finds_no_disagreement_between_the_document_and_the_server(tmp_path):
    """schemathesis generates requests from the served document (valid and invalid ones, every
    status code, undeclared methods, the SSE event schema) and checks each answer against it.

    One check is left out: `positive_data_acceptance`, which expects every schema-valid request
    to be accepted. For an image API that cannot hold: a base64 string can be valid and still not
    be an image (415), and a recipe name can be well-formed and still not exist (422)."""
    import subprocess
    import sys
    from pathlib import Path

    server = serve(tmp_path / "data")
    try:
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"), "run", server.url + "/openapi.yaml", "--url", server.url,
                "--checks", "all", "--exclude-checks", "positive_data_acceptance", "--phases", "coverage,fuzzing",
                "--max-examples", "8", "--seed", "1", "--no-color",
            ],
            capture_output=True, text=True, timeout=600,
        )
        print(done.stdout[-3000:])
        assert done.returncode == 0, done.stdout[-6000:]
    finally:
        server.stop()
