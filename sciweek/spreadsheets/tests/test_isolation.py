"""No IDOR in the Excel pages: 石家庄's staff neither see nor change 保定's import jobs, templates
or exports, and 保定's data never appears in their exports.

The matrix must name every "spreadsheets" route that takes an object ID;
`test_every_object_route_is_in_the_matrix` fails when a new one is missing.
"""
from io import BytesIO

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, get_resolver, reverse

from sciweek.accounts.models import Membership, User
from sciweek.activities.models import Activity
from sciweek.spreadsheets.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign

ATTACKERS = ["sjz-admin", "sjz-reviewer", "sjz-filer", "sjz-statistician", "unit-admin", "unit-filer"]


@pytest.fixture
def baoding(demo, org):
    """保定's filer, an import job of theirs waiting for confirmation, and one with rows in error."""
    city = org("保定市")
    filer = User.objects.create_user("bd-filer", password="x", full_name="保定填报员")
    Membership.objects.create(user=filer, organization=city, role="filer")

    def job(status, **fields):
        record = ImportJob(campaign=demo, organization=city, created_by=filer, kind="project",
                           original_name="保定备案.xlsx", status=status, **fields)
        record.file.save("bd.xlsx", ContentFile(b"PK"), save=False)
        record.save()
        return record

    return {
        "org": city, "filer": filer,
        "job": job(ImportJob.Status.PREVIEW, total=3, valid_count=2, invalid_count=1, valid_rows=[2, 3],
                   invalid_rows=[4], errors=[[4, "title", "项目名称", "必填，不能为空"]]),
        "running": job(ImportJob.Status.CHECKING, total=10, processed=5, progress=50),
    }


# route name -> (kwargs for 保定's object, methods to try)
MATRIX = {
    "job_detail": (lambda b: {"job_id": b["job"].pk}, ["get"]),
    "job_progress": (lambda b: {"job_id": b["running"].pk}, ["get"]),
    "job_confirm": (lambda b: {"job_id": b["job"].pk}, ["post"]),
    "job_discard": (lambda b: {"job_id": b["job"].pk}, ["post"]),
    "job_invalid_rows": (lambda b: {"job_id": b["job"].pk}, ["get"]),
    "template": (lambda b: {"org_id": b["org"].pk, "kind": "project"}, ["get"]),
    "export_filings": (lambda b: {"org_id": b["org"].pk}, ["get"]),
    "export_plan_lists": (lambda b: {"org_id": b["org"].pk}, ["get"]),
}


def object_routes():
    namespace = get_resolver().namespace_dict["spreadsheets"][1]
    return {p.name for p in namespace.url_patterns if isinstance(p, URLPattern) and p.pattern.converters}


def test_every_object_route_is_in_the_matrix():
    assert object_routes() == set(MATRIX)


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_other_citys_objects_are_not_found(route, attacker, baoding, staff_client):
    client = staff_client(attacker)
    kwargs, methods = MATRIX[route]
    url = reverse(f"spreadsheets:{route}", kwargs=kwargs(baoding))
    for method in methods:
        response = client.post(url) if method == "post" else client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 404, (route, attacker, method, response.status_code)
    job = ImportJob.objects.get(pk=baoding["job"].pk)
    assert job.status == ImportJob.Status.PREVIEW and job.confirmed_at is None  # nothing changed


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_anonymous_is_sent_to_login(route, baoding, client):
    kwargs, methods = MATRIX[route]
    url = reverse(f"spreadsheets:{route}", kwargs=kwargs(baoding))
    for method in methods:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_wrong_role_in_own_tree_is_forbidden(baoding, staff_client, org):
    """保定's statistician sees 保定's tree but has no filing role: 403, not 404."""
    statistician = User.objects.create_user("bd-statistician", password="x")
    Membership.objects.create(user=statistician, organization=baoding["org"], role="statistician")
    client = staff_client("bd-statistician")
    assert client.get(reverse("spreadsheets:job_detail", args=[baoding["job"].pk])).status_code == 403
    assert client.post(reverse("spreadsheets:job_confirm", args=[baoding["job"].pk])).status_code == 403
    assert client.get(reverse("spreadsheets:template", args=[baoding["org"].pk, "project"])).status_code == 403
    assert client.get(reverse("spreadsheets:export_filings", args=[baoding["org"].pk])).status_code == 200


def test_owner_sees_their_job(baoding, staff_client):
    client = staff_client("bd-filer")
    assert client.get(reverse("spreadsheets:job_detail", args=[baoding["job"].pk])).status_code == 200
    assert client.get(reverse("spreadsheets:template", args=[baoding["org"].pk, "project"])).status_code == 200


def all_text(workbook) -> str:
    return "\n".join(str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                     for v in row if v is not None)


@pytest.mark.parametrize("attacker", ["sjz-admin", "unit-filer", "sjz-statistician"])
def test_exports_never_contain_baoding_data(attacker, baoding, staff_client, org):
    baoding_titles = set(Activity.objects.filter(organization__path__startswith=baoding["org"].path)
                         .values_list("title", flat=True))
    assert baoding_titles  # the demo has 保定 filings to leak
    client = staff_client(attacker)
    urls = [reverse("spreadsheets:export_all")]
    home = org("石家庄市科技信息研究所" if attacker.startswith("unit") else "石家庄市")
    urls += [reverse("spreadsheets:export_filings", args=[home.pk]),
             reverse("spreadsheets:export_plan_lists", args=[home.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = all_text(openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))))
        assert "保定" not in text, url
        assert not any(title in text for title in baoding_titles), url
    listing = client.get(reverse("spreadsheets:index")).content.decode()
    assert "保定备案.xlsx" not in listing and "保定" not in listing


def test_hebei_sees_baoding_in_its_export(baoding, staff_client, org):
    """The positive control: the same export at the province includes 保定."""
    response = staff_client("hebei-statistician").get(reverse("spreadsheets:export_filings", args=[org("河北省").pk]))
    assert "保定" in all_text(openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))))
