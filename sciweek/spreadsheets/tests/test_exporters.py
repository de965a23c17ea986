"""The Excel page lists the exports apps registered, for the organizations where they apply."""
import pytest
from django.urls import reverse

from sciweek.spreadsheets import exporters
from sciweek.spreadsheets.exporters import Exporter, register_exporter

pytestmark = pytest.mark.django_db


def test_the_activities_exports_are_registered_by_the_app():
    registered = {(e.name, e.url_name) for e in exporters.exporters()}
    assert {("filings", "spreadsheets:export_filings"), ("plan_lists", "spreadsheets:export_plan_lists")} <= registered


def test_the_page_offers_what_is_registered(staff_client, org, monkeypatch):
    monkeypatch.setattr(exporters, "_exporters", dict(exporters._exporters))
    register_exporter(Exporter("plan_again", "再导出一份清单", "spreadsheets:export_plan_lists", "statistics.view",
                               kinds=("region",), order=5))
    page = staff_client("sjz-statistician").get(reverse("spreadsheets:index")).content.decode()
    sjz = org("石家庄市").pk
    assert "再导出一份清单" in page and reverse("spreadsheets:export_plan_lists", args=[sjz]) in page
    assert page.index("再导出一份清单") < page.index("导出 Excel")  # in registration order
    page = staff_client("unit-statistician").get(reverse("spreadsheets:index")).content.decode()
    assert "再导出一份清单" not in page  # a unit is no region
    assert "导出 Excel" in page


def test_an_exporter_the_user_may_not_use_is_not_offered(staff_client, monkeypatch):
    monkeypatch.setattr(exporters, "_exporters", {})
    register_exporter(Exporter("admins_only", "管理员导出", "spreadsheets:export_filings", "organization.manage"))
    assert "管理员导出" not in staff_client("sjz-filer").get(reverse("spreadsheets:index")).content.decode()
    assert "管理员导出" in staff_client("sjz-admin").get(reverse("spreadsheets:index")).content.decode()
