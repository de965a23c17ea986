"""The statistics pages in a real browser on the 2020 demo: the national page (China map) and
Hebei's (its city map), at 1280 px and on a phone; axe-core finds nothing and nothing scrolls
sideways. Screenshots in /tmp/h/shots (or SCIWEEK_STATISTICS_SHOTS)."""
import os
from pathlib import Path

import pytest

from sciweek.a11y import Findings
from sciweek.organizations.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = Path(os.environ.get("SCIWEEK_STATISTICS_SHOTS", "/tmp/h/shots"))


def test_the_statistics_pages(live_server, staff_page, reference_year):
    base, found = live_server.url, Findings()
    hebei = Organization.objects.get(name="河北省")
    for username, org, by in (("national-statistician", None, "kind"), ("hebei-statistician", hebei, "org_kind")):
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page = staff_page(username, viewport)
            query = f"?year=2020&by={by}" + (f"&org={org.pk}" if org else "")
            page.goto(f"{base}/console/statistics/{query}")
            page.wait_for_load_state("networkidle")
            assert page.locator("#stat-overview").count() == 1
            assert page.locator("[data-stat-chart=map] canvas").count() == 1  # the map was drawn
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"statistics-{username}-{label}.png"), full_page=label == "desktop")
            found.axe(page, f"{username} {label}")
            found.overflow(page, f"{username} {label}")
            page.close()
    assert not found, found
