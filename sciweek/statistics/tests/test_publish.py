"""Publishing: a level's statistician publishes its figures (audited); the public region page
and the API show exactly the snapshot; nothing unpublished is ever public; unpublishing takes
it down; a city cannot publish for its province or a sibling."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from sciweek.accounts.models import AuditEvent
from sciweek.activities.models import Activity
from sciweek.statistics import services
from sciweek.statistics.models import StatisticsPublication

from .conftest import YEAR, signed_in

pytestmark = pytest.mark.django_db


def region_page(client, org):
    return client.get(reverse("portal:region", args=[YEAR, org.pk]))


def api(client, org):
    return client.get(f"/api/v1/campaigns/{YEAR}/statistics/{org.pk}")


def test_nothing_is_public_before_publishing(client, tree):
    assert api(client, tree["p"]).status_code == 404
    html = region_page(client, tree["p"]).content.decode()
    assert "h-stat-pub" not in html


def test_publish_shows_the_snapshot_on_the_region_page_and_in_the_api(client, tree):
    publication = services.publish(tree["campaign"], tree["p"], actor=tree["p_stat"])
    assert AuditEvent.objects.filter(action="statistics.published", organization=tree["p"]).count() == 1
    response = api(client, tree["p"])
    assert response.status_code == 200
    body = response.json()
    metrics = {m["key"]: m["value"] for m in body["metrics"]}
    assert metrics["activities"] == 6 and metrics["people"] == 2 and metrics["participations"] == 7
    assert metrics["online_views"] is None
    kinds = {d["key"]: {c["key"]: c["value"] for c in d["counts"]} for d in body["dimensions"]}
    assert kinds["kind"] == {"project": 4, "open_day": 2}
    assert [r["organization_id"] for r in body["rows"]] == [tree[k].pk for k in ("p", "pd", "c1", "c2")]
    html = region_page(client, tree["p"]).content.decode()
    assert "h-stat-pub" in html and "测甲一市" in html

    # later changes are not public until published again
    Activity.objects.filter(pk=tree["acts"]["u2_draft"].pk).update(status=Activity.Status.APPROVED)
    assert {m["key"]: m["value"] for m in api(client, tree["p"]).json()["metrics"]}["activities"] == 6
    services.publish(tree["campaign"], tree["p"], actor=tree["p_stat"])
    assert {m["key"]: m["value"] for m in api(client, tree["p"]).json()["metrics"]}["activities"] == 7
    assert StatisticsPublication.objects.filter(pk=publication.pk).count() == 1  # replaced, not added


def test_unpublish_takes_it_down(client, tree):
    services.publish(tree["campaign"], tree["p"], actor=tree["p_stat"])
    assert api(client, tree["p"]).status_code == 200
    services.unpublish(tree["campaign"], tree["p"], actor=tree["p_stat"])
    assert AuditEvent.objects.filter(action="statistics.unpublished").count() == 1
    assert api(client, tree["p"]).status_code == 404
    assert "h-stat-pub" not in region_page(client, tree["p"]).content.decode()
    with pytest.raises(ValidationError):
        services.unpublish(tree["campaign"], tree["p"], actor=tree["p_stat"])


def test_one_level_published_does_not_publish_another(client, tree):
    services.publish(tree["campaign"], tree["c1"], actor=tree["c1_stat"])
    assert api(client, tree["c1"]).status_code == 200
    assert api(client, tree["c2"]).status_code == 404 and api(client, tree["p"]).status_code == 404
    assert api(client, tree["root"]).status_code == 404


def test_who_may_publish(tree):
    with pytest.raises(Http404):
        services.publish(tree["campaign"], tree["p"], actor=tree["c1_stat"])  # above the city
    with pytest.raises(Http404):
        services.publish(tree["campaign"], tree["c2"], actor=tree["c1_stat"])  # a sibling
    with pytest.raises(PermissionDenied):
        services.publish(tree["campaign"], tree["p"], actor=tree["p_reviewer"])  # sees, may not publish
    assert not StatisticsPublication.objects.exists()


def test_publish_and_unpublish_through_the_page(client, tree):
    signed_in(client, tree["p_stat"])
    url = reverse("statistics:publish", args=[tree["p"].pk])
    response = client.post(url, {"year": YEAR, "by": "format", "action": "publish"})
    assert response.status_code == 302 and "by=format" in response["Location"]
    assert StatisticsPublication.objects.filter(organization=tree["p"]).exists()
    html = client.get(response["Location"]).content.decode()
    assert "撤回发布" in html
    client.post(url, {"year": YEAR, "action": "unpublish"})
    assert not StatisticsPublication.objects.exists()
    signed_in(client, tree["p_reviewer"])
    assert client.post(url, {"year": YEAR}).status_code == 403
    html = client.get(reverse("statistics:console"), {"year": YEAR, "org": tree["p"].pk}).content.decode()
    assert "发布统计数据" not in html


def test_an_unknown_year_or_level_in_the_api(client, tree):
    assert client.get(f"/api/v1/campaigns/1999/statistics/{tree['p'].pk}").status_code == 404
    assert client.get(f"/api/v1/campaigns/{YEAR}/statistics/0").status_code in (404, 422)


def test_audit_labels_are_registered():
    from sciweek.accounts.audit import ACTION_LABELS

    assert "statistics.published" in ACTION_LABELS and "statistics.unpublished" in ACTION_LABELS
