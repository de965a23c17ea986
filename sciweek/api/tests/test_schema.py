"""The OpenAPI schema: every operation tested, errors and auth documented, one version."""
import importlib
from dataclasses import fields

import pytest

from sciweek.activities.catalog import CatalogQuery

pytestmark = pytest.mark.django_db

# Every operation of the schema, with the tests that exercise it. A new operation fails
# test_every_operation_is_tested until it is added here with its tests.
TESTED_OPERATIONS = {
    ("get", "/api/v1/campaigns"): ["test_campaigns::test_list_published_campaigns"],
    ("get", "/api/v1/campaigns/current"): ["test_campaigns::test_current_campaign",
                                           "test_campaigns::test_no_current_campaign_is_a_404_in_the_error_shape"],
    ("get", "/api/v1/campaigns/{year}"): ["test_campaigns::test_campaign_details",
                                          "test_campaigns::test_unpublished_or_unknown_campaign_is_not_found"],
    ("get", "/api/v1/campaigns/{year}/regions"): ["test_regions::test_provinces_with_public_activity_counts",
                                                  "test_regions::test_province_counts_are_one_grouped_query"],
    ("get", "/api/v1/campaigns/{year}/regions/{code}"): ["test_regions::test_hebei_region_with_its_plan",
                                                         "test_regions::test_city_region_without_its_own_plan"],
    ("get", "/api/v1/campaigns/{year}/activities"): [
        "test_activities::test_catalog_gives_the_portals_ids_in_its_order",
        "test_activities::test_pagination_is_stable_and_reports_neighbours",
        "test_errors::test_bad_parameters_are_422_in_the_error_shape",
    ],
    ("get", "/api/v1/activities/{activity_id}"): ["test_activities::test_activity_detail",
                                                  "test_activities::test_non_public_activities_are_not_found"],
    ("get", "/api/v1/activities/{activity_id}/sessions"): ["test_activities::test_sessions_with_seats_left"],
    ("get", "/api/v1/me"): ["test_auth::test_me_with_a_valid_token", "test_auth::test_wrong_tokens"],
    ("get", "/api/v1/campaigns/{year}/news"): ["test_news::test_news_feed"],
    ("post", "/api/v1/auth/code"): ["test_reservations::test_phone_sign_in_gives_a_token"],
    ("post", "/api/v1/auth/token"): ["test_reservations::test_phone_sign_in_gives_a_token"],
    ("post", "/api/v1/sessions/{session_id}/reservations"): [
        "test_reservations::test_reserve_with_idempotency_key", "test_reservations::test_refusals_in_the_error_shape"],
    ("get", "/api/v1/me/reservations"): ["test_reservations::test_list_ticket_and_cancel"],
    ("get", "/api/v1/me/reservations/{code}"): ["test_reservations::test_list_ticket_and_cancel",
                                                 "test_reservations::test_other_peoples_tickets_are_not_found"],
    ("post", "/api/v1/me/reservations/{code}/cancel"): ["test_reservations::test_list_ticket_and_cancel",
                                                        "test_reservations::test_other_peoples_tickets_are_not_found"],
}


@pytest.fixture
def schema(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_every_operation_is_tested(schema):
    in_schema = {(method, path) for method, path, _ in operations(schema)}
    assert in_schema - TESTED_OPERATIONS.keys() == set(), "add the new operation and its tests to TESTED_OPERATIONS"
    assert TESTED_OPERATIONS.keys() - in_schema == set(), "TESTED_OPERATIONS names an operation that is gone"
    for tests in TESTED_OPERATIONS.values():
        for reference in tests:
            module_name, test_name = reference.split("::")
            module = importlib.import_module(f"sciweek.api.tests.{module_name}")
            assert callable(getattr(module, test_name, None)), f"{reference} does not exist"


def test_everything_lives_under_v1_and_the_version_matches(schema):
    assert schema["info"]["title"] == "SciWeek API"
    assert schema["info"]["version"].split(".")[0] == "1"
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    description = schema["info"]["description"]
    for topic in ("认证", "错误", "分页", "缓存", "限流", "Auth", "Errors", "Pagination", "Caching", "Rate limits",
                  "Bearer", "If-None-Match", "Retry-After", "page_size"):
        assert topic in description, topic


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    for _method, path, operation in operations(schema):
        responses = operation["responses"]
        assert "200" in responses or "201" in responses, path
        expected = {"401", "429"}
        if operation.get("parameters"):
            expected |= {"422"}
        if "{" in path or path.endswith("/current"):
            expected |= {"404"}
        assert expected <= responses.keys(), (path, responses.keys())
        for status in expected:
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (path, status)
        assert operation["operationId"][0].islower() and "_" not in operation["operationId"], operation["operationId"]
        assert operation.get("summary") and operation.get("description"), path
    error = schema["components"]["schemas"]["ErrorBody"]
    assert set(error["properties"]) == {"code", "message", "details"}
    assert {"invalid", "not_found", "unauthorized", "rate_limited", "method_not_allowed",
            "too_large"} <= set(error["properties"]["code"]["enum"])  # too_large: core's request-size middleware


def test_bearer_auth_is_documented(schema):
    scheme = schema["components"]["securitySchemes"]["BearerToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "create_api_token" in scheme["description"]
    for _method, path, operation in operations(schema):
        if path == "/api/v1/me" or path.startswith("/api/v1/me/") or path.endswith("/reservations"):
            assert operation["security"] == [{"BearerToken": []}]
        else:  # public: a token is optional
            assert operation["security"] == [{}, {"BearerToken": []}], path


def test_catalog_parameters_are_the_portals_filters(schema):
    catalog = schema["paths"]["/api/v1/campaigns/{year}/activities"]["get"]
    names = {p["name"] for p in catalog["parameters"]}
    # A filter added to the portal's CatalogQuery fails here until the API offers it too.
    assert names == {f.name for f in fields(CatalogQuery)} | {"year", "page", "page_size"}
    page_size = next(p for p in catalog["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 50


def test_component_names_are_unique(monkeypatch):
    """Each app names its own schemas; ninja keys components by class name and would let a
    second `TokenOut` silently replace the first in the document."""
    from ninja.openapi.schema import OpenAPISchema

    from sciweek.api.api import api

    clashes = []
    add = OpenAPISchema.add_schema_definitions

    def add_checked(self, definitions):
        clashes.extend(name for name, definition in definitions.items()
                       if name in self.schemas and self.schemas[name] != definition)
        add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", add_checked)
    api.get_openapi_schema()
    assert not clashes, f"two different schemas share the name(s) {sorted(set(clashes))}: rename one"


def test_paged_lists_share_one_shape(schema):
    """Every list that takes page/page_size answers with the one page shape (api/pagination.py)."""
    paged = [operation for _method, _path, operation in operations(schema)
             if {"page", "page_size"} <= {p["name"] for p in operation.get("parameters", [])}]
    assert len(paged) >= 2  # the catalog and the news feed
    for operation in paged:
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(body["properties"]) == {"items", "count", "page", "page_size", "pages", "next", "previous",
                                           "next_url", "previous_url"}, ref


def test_interactive_docs_are_served(client):
    assert client.get("/api/docs").status_code == 200
