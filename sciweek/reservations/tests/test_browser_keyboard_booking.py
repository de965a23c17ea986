"""Issue 10's "done means", keyboard only: a citizen on a 390×844 phone goes from the live
catalog to a bookable session, signs in with phone and code, accepts the privacy notice with
Space, books and lands on the ticket, using only Tab, Shift+Tab, Enter, Space and typing (no
clicks, no fill). Every element focus lands on must show a focus ring and be in view."""
import pytest

from sciweek.a11y import bookable_session, focus_problems, label_of, tab_to
from sciweek.core.sms import LocmemSmsBackend
from sciweek.reservations.models import Reservation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_390 = {"width": 390, "height": 844}


def press_and_wait(page, key: str, url_glob: str) -> None:
    with page.expect_navigation(url=url_glob):
        page.keyboard.press(key)


def test_a_citizen_books_a_session_with_the_keyboard_only(live_server, demo, page_factory, settings):
    settings.SMS_BACKEND = "sciweek.core.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    base, phone = live_server.url, "13712340010"
    session = bookable_session()
    activity = session.activity
    problems: list[str] = []

    def check(info):
        for problem in focus_problems(info):
            line = f"{page.url.removeprefix(base)}: {label_of(info)} — {problem}"
            if line not in problems:
                problems.append(line)

    page = page_factory(PHONE_390)
    page.goto(f"{base}/{activity.campaign.year}/activities/")  # the only page reached without the keyboard

    tab_to(page, f"el => el.getAttribute('href') === '/{activity.campaign.year}/activities/{activity.pk}/'",
           on_step=check)
    press_and_wait(page, "Enter", f"**/activities/{activity.pk}/")
    tab_to(page, f"el => el.getAttribute('href') === '/book/{session.pk}/'", on_step=check)
    press_and_wait(page, "Enter", "**/signin/**")  # signed out: sign in first, then back to the booking

    tab_to(page, "el => el.name === 'phone'", on_step=check)
    page.keyboard.type(phone)
    tab_to(page, "获取验证码", on_step=check)
    press_and_wait(page, "Enter", "**/signin/**")
    code = next(text for to, text in reversed(LocmemSmsBackend.outbox) if to == phone).split("验证码是 ")[1][:6]
    tab_to(page, "el => el.name === 'code'", on_step=check)
    page.keyboard.type(code)
    consent = tab_to(page, "el => el.name === 'consent'", on_step=check)
    assert consent["type"] == "checkbox" and not consent["checked"]
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), "Space does not tick the consent box"
    tab_to(page, "登录", on_step=check)
    press_and_wait(page, "Enter", f"**/book/{session.pk}/")

    tab_to(page, "确认预约", on_step=check)
    press_and_wait(page, "Enter", "**/my/reservations/*/")
    reservation = Reservation.objects.get(person__public_profile__phone=phone)
    assert (reservation.session_id, reservation.status) == (session.pk, "confirmed")
    assert page.url.endswith(f"/my/reservations/{reservation.code}/")
    assert reservation.code in page.inner_text("main")

    # The ticket page itself: every link and button on it can be reached and seen.
    tab_to(page, "el => el.getAttribute('href') && el.getAttribute('href').endsWith('/cancel/')", on_step=check)
    assert not problems, "focus cannot be seen:\n" + "\n".join(problems)
