"""The console pages of the summary reports: the filer's page keeps what was typed when a
save is refused, the receiver's buttons are there only for the receiver, no level sees
another branch's report (404, never 403, so ids cannot be probed), the dashboard's figures
move at once and its queries stay bounded, and the bundle holds the documents."""
import io
import zipfile

import pytest
from django.urls import reverse

from sciweek.reports import services
from sciweek.reports.models import SummaryReport

from .conftest import BODY, at, jpeg

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_refused_save_keeps_the_typed_text(client, tree):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    signed_in(client, tree["u1_filer"])
    typed = "<div>我刚刚写了很长的一段总结，不能丢。</div>"
    response = client.post(reverse("reports:save_text", args=[report.pk]), {
        "title": "标题", "body": typed, "version": report.version, "figure-participants-reported": "500",
        "figure-participants-reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "更正数字时请写明理由" in page and "我刚刚写了很长的一段总结，不能丢。" in page


def test_a_stale_version_is_refused_with_the_text_kept(client, tree):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    services.save_text(report, actor=tree["u1_filer"], title="别处的修改", body=BODY)
    signed_in(client, tree["u1_filer"])
    response = client.post(reverse("reports:save_text", args=[report.pk]),
                           {"title": "我的", "body": "<div>我的版本</div>", "version": report.version})
    assert response.status_code == 409
    assert "我的版本" in response.content.decode()
    assert SummaryReport.objects.get(pk=report.pk).title == "别处的修改"


@pytest.mark.parametrize("who, status", [("q_reviewer", 404), ("c2_reviewer", 404), ("u3_filer", 404),
                                         ("c1_reviewer", 200), ("p_reviewer", 200), ("root_reviewer", 200)])
def test_who_sees_a_units_report(client, tree, who, status):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    signed_in(client, tree[who])
    assert client.get(reverse("reports:report", args=[report.pk])).status_code == status
    response = client.get(reverse("reports:archive", args=[report.pk]))
    assert response.status_code == status
    response.close()  # the bundle is an open temporary file until the response is closed


def test_a_unit_does_not_see_its_citys_report(client, tree):
    city = services.start(tree["campaign"], tree["c1"], actor=tree["c1_filer"])
    signed_in(client, tree["u1_filer"])
    assert client.get(reverse("reports:report", args=[city.pk])).status_code == 404


def test_decisions_posted_by_others_change_nothing(client, tree, ready):
    report = services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    for who, status in (("q_reviewer", 404), ("p_reviewer", 403), ("u1_filer", 403)):
        signed_in(client, tree[who])
        response = client.post(reverse("reports:decide", args=[report.pk]), {"decision": "accept"})
        assert response.status_code == status, who
    assert SummaryReport.objects.get(pk=report.pk).status == "submitted"
    signed_in(client, tree["c1_reviewer"])
    page = client.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert 'value="accept"' in page
    client.post(reverse("reports:decide", args=[report.pk]), {"decision": "accept"})
    assert SummaryReport.objects.get(pk=report.pk).status == "accepted"


def test_the_dashboard_moves_at_once_and_drills_down(client, tree, ready, django_assert_max_num_queries):
    signed_in(client, tree["p_reviewer"])
    url = reverse("reports:dashboard") + f"?year={tree['campaign'].year}&org={tree['p'].pk}"
    before = client.get(url).context["board"]["summaries"]
    assert (before.expected, before.submitted) == (5, 0)  # c1, c2, u1, u2, u3
    services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    with django_assert_max_num_queries(25):
        response = client.get(url)
    after = response.context["board"]["summaries"]
    assert (after.expected, after.submitted, after.on_time) == (5, 1, 1)
    rows = {r.organization.name: r.summaries for r in response.context["board"]["rows"] if not r.is_self}
    assert rows["甲一市"].submitted == 1 and rows["甲一市"].expected == 3 and rows["甲二市"].submitted == 0
    city = client.get(reverse("reports:dashboard") + f"?year={tree['campaign'].year}&org={tree['c1'].pk}")
    assert {r.organization.name for r in city.context["board"]["rows"] if not r.is_self} == {"甲一市科技馆", "甲一市大学"}
    signed_in(client, tree["q_reviewer"])
    assert client.get(url).status_code == 404


def test_the_national_dashboard_has_its_map(client, tree):
    signed_in(client, tree["root_reviewer"])
    response = client.get(reverse("reports:dashboard") + f"?year={tree['campaign'].year}&org={tree['root'].pk}")
    assert response.status_code == 200
    assert {r.organization.name for r in response.context["board"]["rows"]} == {"甲省", "乙省"}
    assert 'data-reporting-chart="map"' in response.content.decode()


def test_a_provinces_dashboard_maps_its_cities(client, demo):
    """Hebei (division 130000) gets its cities' map, each city a feature named as its division;
    a city (no map below a province) gets none."""
    from sciweek.accounts.models import User
    from sciweek.organizations.models import Organization

    signed_in(client, User.objects.get(username="hebei-reviewer"))
    hebei = Organization.objects.get(name="河北省")
    page = client.get(reverse("reports:dashboard") + f"?year=2020&org={hebei.pk}")
    html = page.content.decode()
    assert "vendor/echarts-provinces/hebei" in html and 'data-reporting-chart="map"' in html
    chart = page.context["chart_data"]
    assert chart["map_name"] == "河北"
    assert {"石家庄市", "保定市", "定州市"} <= {point["name"] for point in chart["map"]}
    city = Organization.objects.get(name="石家庄市")
    html = client.get(reverse("reports:dashboard") + f"?year=2020&org={city.pk}").content.decode()
    assert 'data-reporting-chart="map"' not in html


def test_the_bundle_holds_the_summary_the_pictures_and_the_units_list(client, tree, ready):
    from docx import Document

    unit = services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    services.accept(unit, actor=tree["c1_reviewer"])
    city = ready(tree["c1"], tree["c1_filer"], images=2)
    signed_in(client, tree["p_reviewer"])
    response = client.get(reverse("reports:archive", args=[city.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    response.close()
    names = archive.namelist()
    assert "甲一市2097年科技活动周活动总结.docx" in names
    assert sum(1 for n in names if n.startswith("图片/")) == 2
    assert "各单位报送情况.xlsx" in names
    assert any(n.startswith("各单位材料/甲一市科技馆/") and n.endswith(".docx") for n in names)
    document = Document(io.BytesIO(archive.read("甲一市2097年科技活动周活动总结.docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本单位在科技活动周期间" in text and "报送单位：甲一市" in text


def test_images_upload_on_the_page(client, tree):
    report = services.start(tree["campaign"], tree["u1"], actor=tree["u1_filer"])
    signed_in(client, tree["u1_filer"])
    response = client.post(reverse("reports:add_images", args=[report.pk]),
                           {"images": [jpeg("a.jpg"), jpeg("b.jpg")]}, follow=True)
    assert "已加入 2 张图片" in response.content.decode()
    assert report.images.count() == 2
