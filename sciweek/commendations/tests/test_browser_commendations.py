"""The commendation pages in a real browser: Hebei's final 2020 list (console, desktop and
phone), its public page and Hebei's region page, then a fresh draft with its editing forms.
axe-core (WCAG 2.0/2.1 A and AA) finds nothing; no page scrolls sideways on a phone.
Screenshots in /tmp/h/shots (or SCIWEEK_COMMENDATION_SHOTS)."""
import os
from pathlib import Path

import pytest
from django.urls import reverse

from sciweek.a11y import Findings
from sciweek.commendations import services
from sciweek.commendations.demo import load_commendations_demo
from sciweek.commendations.models import Kind
from sciweek.evaluation.demo import load_evaluation_demo
from sciweek.organizations.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
NARROW = {"width": 320, "height": 700}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = Path(os.environ.get("SCIWEEK_COMMENDATION_SHOTS", "/tmp/h/shots"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_commendation_pages(demo, live_server, staff_page, page_factory):
    from sciweek.accounts.models import User

    hebei = Organization.objects.get(name="河北省")
    evaluation = load_evaluation_demo(demo, hebei)
    final = load_commendations_demo(demo, hebei)
    base, found = live_server.url, Findings()
    admin = staff_page("hebei-admin", DESKTOP)
    admin.goto(base + reverse("commendations:detail", args=[final.pk]))
    found.axe(admin, "desktop: the final list")
    shot(admin, "commendation-final-desktop")
    phone = staff_page("hebei-admin", PHONE)
    phone.goto(base + reverse("commendations:detail", args=[final.pk]))
    found.axe(phone, "phone: the final list")
    found.overflow(phone, "phone: the final list")
    public = page_factory(NARROW)
    for name, url in [("public", reverse("commendations:public", args=[2020, final.pk])),
                      ("region", reverse("portal:region", args=[2020, hebei.pk]))]:
        public.goto(base + url)
        found.axe(public, f"320: {name}")
        found.overflow(public, f"320: {name}")
        shot(public, f"commendation-{name}-320")
    # A fresh draft with its editing forms.
    user = User.objects.get(username="hebei-admin")
    services.withdraw(user, final, reason="演示：重新拟定")
    draft = services.create(user, evaluation)
    services.add_category(user, draft, kind=Kind.UNIT, quota=5, peer_group="cities")
    services.add_category(user, draft, kind=Kind.INDIVIDUAL, quota=8)
    services.draw_candidates(user, draft)
    admin.goto(base + reverse("commendations:detail", args=[draft.pk]))
    found.axe(admin, "desktop: a draft")
    shot(admin, "commendation-draft-desktop")
    phone.goto(base + reverse("commendations:detail", args=[draft.pk]))
    found.overflow(phone, "phone: a draft")
    found.axe(phone, "phone: a draft")
    shot(phone, "commendation-draft-phone")
    admin.goto(base + reverse("commendations:index") + "?year=2020")
    found.axe(admin, "desktop: the index")
    assert not found.items, "\n\n".join(found.items)
