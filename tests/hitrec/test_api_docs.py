"""The OpenAPI schema and Swagger UI are served, from the site's own files."""

import pytest

pytestmark = pytest.mark.django_db


def test_schema_describes_the_contract_paths(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/auth/register/", "/api/auth/token/", "/api/health/"} <= set(schema["paths"])


def test_swagger_ui_loads_no_third_party_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    assert "/api/contributions/{contribution_id}/lineage/:" in schema
    assert "UserRegisterInputRequest" in schema
