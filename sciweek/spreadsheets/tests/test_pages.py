"""The Excel page for every role: what each may do is offered, nothing else."""
import pytest
from django.urls import reverse

from sciweek.accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("level", ["hebei", "sjz", "unit"])
@pytest.mark.parametrize("role", Role.values)
def test_excel_page_for_every_demo_account(level, role, staff_client):
    page = staff_client(f"{level}-{role}").get(reverse("spreadsheets:index"))
    assert page.status_code == 200
    text = page.content.decode()
    can_file = role in ("admin", "filer")
    can_export = role in ("admin", "reviewer", "statistician", "filer")
    assert ("上传并检查" in text) == can_file
    assert ("/template/project.xlsx" in text) == can_file
    assert ("导出 Excel" in text) == can_export
    assert ("重点活动清单和开放单位" in text) == (can_export and level != "unit")
    assert "<script>" not in text


def test_upload_without_a_file_shows_the_form_again(staff_client, org):
    response = staff_client("sjz-filer").post(reverse("spreadsheets:upload"), {"organization": org("石家庄市").pk})
    assert response.status_code == 400 and "这个字段是必填项" in response.content.decode()


def test_anonymous_is_sent_to_login_from_the_index(client):
    response = client.get(reverse("spreadsheets:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
