"""/api/health/ says whether each service answers, and 503 when one does not."""

import pytest

pytestmark = pytest.mark.django_db


def test_health_reports_each_service_reachable(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check["reachable"] for check in body["checks"].values())


def test_an_unreachable_broker_makes_health_degraded(api_client, settings):
    # Nothing listens on port 1: a real connection refusal, not a mocked one.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = api_client.get("/api/health/")

    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker == {**broker, "reachable": False, "backend": "redis"}
    assert "Connection" in broker["detail"]
    assert response.json()["checks"]["database"]["reachable"] is True
