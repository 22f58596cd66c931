"""schemathesis against the running service's own OpenAPI document: no 5xx, and every
documented response matches its schema. Bounded: a few dozen examples per operation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.faults.harness import ServiceProcess

EXAMPLES_PER_OPERATION = 30


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    process = ServiceProcess(data_dir=tmp_path_factory.mktemp("openapi-serve"))
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture(scope="module")
def api_schema(service: ServiceProcess) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(service.url + "/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_answers_within_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])


KNOWN_CASES = [  # real ids, so the 200 documents (not only the 4xx) are checked
    ("/api/v1/stops/{stop_id}/departures", {"stop_id": "de:07315:1001"}, {}),
    ("/api/v1/stops/{stop_id}/departures", {"stop_id": "de:07315:1001:L"},
     {"window": "240", "limit": "50", "lang": "en"}),
    ("/api/v1/stops/{stop_id}/departures", {"stop_id": "de:07315:1002"},
     {"route": "50,51", "direction": "1"}),
    ("/api/v1/displays/{display_id}", {"display_id": "hbf-tram"}, {}),
    ("/api/v1/displays/{display_id}", {"display_id": "uni-en"}, {}),
    ("/api/v1/displays", {}, {}),
    ("/api/v1/status", {}, {}),
    ("/api/v1/alerts", {}, {"lang": "en"}),
    ("/api/v1/stops", {}, {"q": "hbf"}),
    ("/api/v1/stops/nearby", {}, {"lat": "49.9995", "lon": "8.2585", "radius": "2000"}),
]


@pytest.mark.parametrize(("path", "path_parameters", "query"), KNOWN_CASES)
def test_known_documents_match_the_schema(api_schema: schemathesis.BaseSchema, path: str,
                                          path_parameters: dict[str, str],
                                          query: dict[str, str]) -> None:
    case = api_schema[path]["GET"].Case(path_parameters=path_parameters, query=query)
    response = case.call_and_validate(checks=[not_a_server_error,
                                              response_schema_conformance])
    assert response.status_code == 200, response.text[:200]
