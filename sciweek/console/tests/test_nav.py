"""The console shows only what the role can open (issue 9: 审计日志 was shown to roles that then
got a 403): for every demo account, each navigation link it is shown answers 200."""
import re

import pytest
from django.urls import reverse

from sciweek.accounts.models import Role

pytestmark = pytest.mark.django_db

LEVELS = ["national", "hebei", "sjz", "unit"]


def nav_links(html: str) -> list[str]:
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    return [href for href in re.findall(r'<a href="([^"]+)"', header) if href.startswith("/console/")]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", Role.values)
def test_every_nav_link_shown_opens(level, role, staff_client):
    client = staff_client(f"{level}-{role}")
    home = client.get(reverse("console:home"))
    assert home.status_code == 200
    links = nav_links(home.content.decode())
    assert reverse("console:home") in links or links  # the console has a way home
    for href in links:
        response = client.get(href)
        assert response.status_code == 200, (f"{level}-{role}", href, response.status_code)
    shown_audit = reverse("accounts:audit_log") in links
    assert shown_audit == (role == Role.ADMIN), (f"{level}-{role}", links)


@pytest.mark.parametrize("username", ["sjz-filer", "sjz-reviewer", "unit-publicity", "hebei-judge"])
def test_audit_log_is_neither_shown_nor_open_to_other_roles(username, staff_client):
    client = staff_client(username)
    html = client.get(reverse("console:home")).content.decode()
    assert "审计日志" not in html.split("</header>", 1)[0]
    assert client.get(reverse("accounts:audit_log")).status_code == 403
