"""The OpenAPI schema: every operation tested, errors and auth documented, one version."""
import importlib
from dataclasses import fields

import pytest

from sciweek.activities.catalog import CatalogQuery

pytestmark = pytest.mark.django_db

# Every operation of the schema, with the tests that exercise it. A new operation fails
# test_every_operation_is_tested until it is added here with its tests.
QUIZ = "sciweek.quiz.tests.test_api_quiz::"
CONTESTS = "sciweek.contests.tests.test_api_contests::"
REPORTS = "sciweek.reports.tests.test_api::"
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
    # quiz (its tests live in the app: a dotted module name is absolute)
    ("get", "/api/v1/campaigns/{year}/quizzes"): [QUIZ + "test_list_and_detail"],
    ("get", "/api/v1/quizzes/{quiz_id}"): [QUIZ + "test_list_and_detail", QUIZ + "test_quiz_not_open_and_auth"],
    ("get", "/api/v1/me/quizzes/{quiz_id}"): [QUIZ + "test_register_start_answer_finish_result_certificate"],
    ("put", "/api/v1/me/quizzes/{quiz_id}/registration"): [
        QUIZ + "test_register_start_answer_finish_result_certificate"],
    ("post", "/api/v1/me/quizzes/{quiz_id}/attempts"): [QUIZ + "test_register_start_answer_finish_result_certificate",
                                                        QUIZ + "test_quiz_not_open_and_auth"],
    ("get", "/api/v1/me/quiz-attempts/{attempt_id}"): [QUIZ + "test_register_start_answer_finish_result_certificate",
                                                       QUIZ + "test_another_persons_attempt_is_not_found"],
    ("post", "/api/v1/me/quiz-attempts/{attempt_id}/answers"): [
        QUIZ + "test_bad_answers_in_the_error_shape_and_nothing_lost", QUIZ + "test_after_the_deadline_and_after_finishing"],
    ("post", "/api/v1/me/quiz-attempts/{attempt_id}/finish"): [
        QUIZ + "test_register_start_answer_finish_result_certificate", QUIZ + "test_after_the_deadline_and_after_finishing"],
    ("get", "/api/v1/me/quiz-attempts/{attempt_id}/result"): [
        QUIZ + "test_register_start_answer_finish_result_certificate", QUIZ + "test_closed_attempt_and_results_not_ready"],
    ("get", "/api/v1/me/quiz-attempts/{attempt_id}/certificate"): [
        QUIZ + "test_register_start_answer_finish_result_certificate"],
    ("get", "/api/v1/quizzes/{quiz_id}/leaderboard"): [QUIZ + "test_leaderboard_with_and_without_a_token"],
    ("get", "/api/v1/campaigns/{year}/reports/mine"): [REPORTS + "test_my_reports_and_one_report"],
    ("get", "/api/v1/reports/{report_id}"): [REPORTS + "test_my_reports_and_one_report"],
    ("get", "/api/v1/campaigns/{year}/reporting"): [REPORTS + "test_the_dashboard_endpoint"],
    ("get", "/api/v1/campaigns/{year}/statistics/{organization_id}"): [
        "sciweek.statistics.tests.test_publish::test_publish_shows_the_snapshot_on_the_region_page_and_in_the_api",
        "sciweek.statistics.tests.test_publish::test_an_unknown_year_or_level_in_the_api"],
    ("get", "/api/v1/campaigns/{year}/evaluations/{organization_id}"): [
        "sciweek.evaluation.tests.test_api::test_the_published_ranking_as_frozen",
        "sciweek.evaluation.tests.test_api::test_nothing_before_publishing"],
    ("get", "/api/v1/campaigns/{year}/commendations/{organization_id}"): [
        "sciweek.commendations.tests.test_api::test_only_a_list_on_notice_or_final_is_answered",
        "sciweek.commendations.tests.test_api::test_the_demo_list_as_the_region_page_shows_it"],
    ("get", "/api/v1/campaigns/{year}/contests"): [CONTESTS + "test_list_detail_entries_and_an_entry"],
    ("get", "/api/v1/campaigns/{year}/contests/{slug}"): [CONTESTS + "test_list_detail_entries_and_an_entry",
                                CONTESTS + "test_draft_contests_are_not_found"],
    ("get", "/api/v1/campaigns/{year}/contests/{slug}/entries"): [CONTESTS + "test_list_detail_entries_and_an_entry"],
    ("get", "/api/v1/campaigns/{year}/contests/{slug}/entries/{number}"): [CONTESTS + "test_list_detail_entries_and_an_entry"],
    ("get", "/api/v1/campaigns/{year}/contests/{slug}/results"): [CONTESTS + "test_published_results_show_aggregates_only",
                                        CONTESTS + "test_results_404_before_the_notice_then_the_published_ranking"],
    ("get", "/api/v1/campaigns/{year}/contests/{slug}/awards"): [CONTESTS + "test_awards_once_final_with_certificates"],
    ("post", "/api/v1/campaigns/{year}/contests/{slug}/entries/{number}/vote"): [
        CONTESTS + "test_vote_with_a_public_persons_token_and_its_caps",
        CONTESTS + "test_vote_needs_a_public_persons_token_and_an_open_vote"],
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
            module = importlib.import_module(module_name if "." in module_name else f"sciweek.api.tests.{module_name}")
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
        if (path == "/api/v1/me" or path.startswith("/api/v1/me/") or path.endswith("/reservations")
                or path.endswith("/vote") or "/reports" in path or path.endswith("/reporting")):
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


def schema_classes(api) -> dict[str, set]:
    """Our schema classes by component name (ninja names a component after its class), found
    from every operation's parameters and responses, nested ones included."""
    import typing

    from pydantic import BaseModel

    found: dict[str, set] = {}
    seen: set = set()

    def visit(annotation):
        for argument in typing.get_args(annotation):
            visit(argument)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or annotation in seen:
            return
        seen.add(annotation)
        if annotation.__module__.startswith("sciweek."):  # not ninja's generated wrappers
            found.setdefault(annotation.__name__, set()).add(f"{annotation.__module__}.{annotation.__qualname__}")
        for field in annotation.model_fields.values():
            visit(field.annotation)

    for bound_router in api._get_bound_routers():
        for path_view in bound_router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    visit(model)
    return found


def definition_clashes(api, monkeypatch) -> list[str]:
    """Names whose definitions differ while the document is built (ninja keys components by
    class name and lets a later one silently replace an earlier one)."""
    from ninja.openapi.schema import OpenAPISchema

    clashes = []
    add = OpenAPISchema.add_schema_definitions

    def add_checked(self, definitions):
        clashes.extend(name for name, definition in definitions.items()
                       if name in self.schemas and self.schemas[name] != definition)
        add(self, definitions)

    with monkeypatch.context() as patch:
        patch.setattr(OpenAPISchema, "add_schema_definitions", add_checked)
        api.get_openapi_schema(path_prefix="/api/")
    return sorted(set(clashes))


def shared_names(api) -> dict[str, set]:
    return {name: classes for name, classes in schema_classes(api).items() if len(classes) > 1}


def test_component_names_are_unique(monkeypatch):
    """Each app names its own schemas: two classes with one name (even with equal fields, or
    one only nested in another app's response) would make one describe the other's operation."""
    from sciweek.api.api import api

    assert len(schema_classes(api)) > 20  # the walk does reach the schemas
    assert not shared_names(api), f"two schema classes share a name: rename one: {shared_names(api)}"
    assert not definition_clashes(api, monkeypatch)


def test_the_uniqueness_checks_catch_two_token_outs(monkeypatch):
    """The issue-11 case: the account's token info nested in `MeOut`, and the phone sign-in's
    token, both called `TokenOut` in two apps."""
    from datetime import datetime

    from ninja import NinjaAPI, Router, Schema

    def schema(class_name, module, **fields):
        return type(class_name, (Schema,), {"__annotations__": fields, "__module__": module})

    account_token = schema("TokenOut", "sciweek.accounts.api", prefix=str, name=str, expires_at=datetime | None)
    me_out = schema("MeOut", "sciweek.accounts.api", username=str, token=account_token)
    issued = schema("TokenOut", "sciweek.participants.api", token=str, expires_at=datetime | None)
    for equal_fields in (False, True):
        if equal_fields:  # same fields: the document would be right by luck, the names still clash
            issued = schema("TokenOut", "sciweek.participants.api", prefix=str, name=str, expires_at=datetime | None)
        api, accounts, participants = NinjaAPI(urls_namespace="clash"), Router(), Router()
        accounts.get("/me", response=me_out)(lambda request: None)
        participants.post("/auth/token", response={200: issued})(lambda request: None)
        api.add_router("/v1/", accounts)
        api.add_router("/v1/", participants)
        assert set(shared_names(api)) == {"TokenOut"}
        assert definition_clashes(api, monkeypatch) == ([] if equal_fields else ["TokenOut"])


def test_me_and_the_issued_token_are_described_by_their_own_schemas(schema):
    def body(path, method, status):
        ref = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]

    me = body("/api/v1/me", "get", "200")
    token_ref = me["properties"]["token"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][token_ref]["properties"]) == {"prefix", "name", "expires_at"}
    assert set(body("/api/v1/auth/token", "post", "200")["properties"]) == {"token", "expires_at"}


def test_phone_carries_the_pattern_the_server_enforces(schema, client, demo):
    import re

    for name in ("CodeRequest", "TokenRequest"):
        phone = schema["components"]["schemas"][name]["properties"]["phone"]
        assert (phone["pattern"], phone["minLength"], phone["maxLength"]) == (r"^1[0-9]{10}$", 11, 11), name
    assert re.fullmatch(phone["pattern"], "13800138000")
    for wrong in ("23800138000", "1380013800", "138001380001", "+8613800138000", "1380013800a", "１３８００１３８０００"):
        assert not re.fullmatch(phone["pattern"], wrong)
        response = client.post("/api/v1/auth/code", {"phone": wrong}, content_type="application/json")
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid", wrong
        assert response.json()["error"]["details"][0]["loc"][-1] == "phone"


def test_every_status_the_shell_can_answer_is_documented(schema):
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        assert {"500", "503"} <= responses.keys(), (method, path)
        assert "Retry-After" in responses["503"]["headers"] and "Retry-After" in responses["429"]["headers"]
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= responses.keys(), (method, path)
        for status, response in responses.items():
            if status[0] in "45":
                assert response["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    codes = set(schema["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"])
    assert {"bad_request", "too_large", "server_error", "unavailable", "busy"} <= codes


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


def test_interactive_docs_have_a_content_security_policy(client):
    response = client.get("/api/docs")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy and "*" not in policy and "http" not in policy
