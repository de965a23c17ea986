"""Forms after a failed submission, as a screen reader meets them: every control has a label,
every aria-describedby names an element that exists (Django points fields at <id>_helptext
and <id>_error), the errors are announced once (one role=alert, on the summary, never on a
list), and the summary links to each field in error."""
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from sciweek.activities.models import Activity
from sciweek.core.sms import LocmemSmsBackend
from sciweek.reservations.tests.helpers import open_session, person

pytestmark = pytest.mark.django_db

CONTROLS = {"input", "select", "textarea"}


class Page(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.ids, self.label_for, self.controls, self.alerts, self.links = set(), set(), [], [], []
        self.described, self._open_labels = [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label":
            self._open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in CONTROLS and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append((tag, attrs, self._open_labels > 0))
        if attrs.get("aria-describedby"):
            self.described.append((tag, attrs.get("id"), attrs["aria-describedby"].split()))
        if attrs.get("role") == "alert":
            self.alerts.append(tag)
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.links.append(attrs["href"][1:])

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels -= 1


def check(html: str, *, errors=True) -> Page:
    page = Page(html)
    unlabelled = [attrs.get("id") or attrs.get("name") for tag, attrs, wrapped in page.controls
                  if not wrapped and attrs.get("id") not in page.label_for and not attrs.get("aria-label")]
    assert unlabelled == [], f"controls without a label: {unlabelled}"
    dangling = [(tag, id_, ref) for tag, id_, refs in page.described for ref in refs if ref not in page.ids]
    assert dangling == [], f"aria-describedby names no element: {dangling}"
    assert "ul" not in page.alerts and "ol" not in page.alerts  # role=alert on a list breaks its items
    if errors:
        assert page.alerts == ["div"], page.alerts  # one announcement: the summary
        missing = [target for target in page.links if target not in page.ids and target not in ("main",)]
        assert missing == [], f"summary links to nothing: {missing}"
        assert any(refs for _, _, refs in page.described if any(r.endswith("_error") for r in refs))
    return page


def test_phone_sign_in_with_a_bad_number(client, demo):
    html = client.post(reverse("participants:sign_in"), {"phone": "123"}).content.decode()
    page = check(html)
    assert "id_phone" in page.links and "id_phone_error" in page.ids


def test_code_step_with_no_code_and_no_consent(client, demo):
    LocmemSmsBackend.outbox.clear()
    client.post(reverse("participants:sign_in"), {"phone": "13700004321"})
    html = client.post(reverse("participants:sign_in"), {"phone": "13700004321", "code": ""}).content.decode()
    check(html)


def test_staff_login_with_a_wrong_password(client, demo):
    html = client.post(reverse("accounts:login"), {"username": "unit-filer", "password": "wrong"}).content.decode()
    page = Page(html)
    assert page.alerts == ["div"] and "id_username" in page.label_for and "id_password" in page.label_for


def test_booking_page_is_labelled(client, demo):
    session = open_session()
    client.force_login(person(71))
    check(client.get(reverse("reservations:book", args=[session.pk])).content.decode(), errors=False)


def test_filing_form_with_a_bad_session_row(staff_client, demo):
    client = staff_client("unit-filer")
    draft = Activity.objects.filter(organization__name="石家庄市科技信息研究所", status="draft").first()
    url = reverse("activities:filing_edit", args=[draft.pk])
    form_page = client.get(url).content.decode()
    check(form_page, errors=False)  # the empty session rows are labelled too
    data = {"title": draft.title, "level": draft.level, "format": draft.format, "save": "1",
            "sessions-TOTAL_FORMS": "1", "sessions-INITIAL_FORMS": "0", "sessions-MIN_NUM_FORMS": "0",
            "sessions-MAX_NUM_FORMS": "1000",
            "sessions-0-starts_at": "2020-08-26T11:00", "sessions-0-ends_at": "2020-08-26T09:00",
            "sessions-0-capacity": "-3"}
    html = client.post(url, data).content.decode()
    page = check(html)
    assert any(link.startswith("id_sessions-0-") for link in page.links)


def test_new_organization_with_nothing_filled_in(staff_client, org):
    client = staff_client("sjz-admin")
    html = client.post(reverse("organizations:organization_add", args=[org("石家庄市").pk]), {"name": ""}).content.decode()
    check(html)
