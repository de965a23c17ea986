"""Shared fixtures. The 2020 demo is loaded once per test database and copied; after a
transactional test flushed the database, the `demo` fixture puts the copy back
(core/tests/demo_snapshot)."""
import freezegun
import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

# Build the URLconf (and with it the API's pydantic schemas) now: built lazily inside a
# freeze_time block, pydantic would meet freezegun's FakeDatetime and refuse.
import sciweek.urls  # noqa: E402,F401
from sciweek.accounts.models import User
from sciweek.campaigns.models import Campaign
from sciweek.core.tests import demo_snapshot
from sciweek.demo.loader import load_demo
from sciweek.organizations.models import Organization

# pytest's clock (--durations) keeps real time inside freeze_time blocks.
freezegun.configure(extend_ignore_list=["_pytest.timing"])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.conf import settings

    with django_db_blocker.unblock():
        load_demo()
        demo_snapshot.take(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "sciweek.core.sms.LocmemSmsBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()  # each test starts cold: nothing cached by another test's (rolled-back) data
    from sciweek.quiz import bank

    bank.forget()  # the quiz bank's in-process copies are keyed by id, which SQLite reuses
    # An English request leaves its language active in the thread (LocaleMiddleware does not
    # reset it): every test starts and ends in the default language.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def demo(db, settings):
    """The 2020 demo campaign (put back as first loaded if a transactional test flushed it)."""
    campaign = Campaign.objects.filter(year=2020).first()
    if campaign is None or not Organization.objects.filter(name="河北省").exists():
        # The copy replaces every table: only into a flushed database, never over the rows a
        # test's own fixtures made first (those get the demo loaded beside them).
        flushed = not Organization.objects.exists() and not User.objects.exists()
        if flushed and demo_snapshot.restore(settings.MEDIA_ROOT):
            campaign = Campaign.objects.get(year=2020)
        else:
            campaign, _ = load_demo()
    return campaign


@pytest.fixture
def reference_year(demo):
    """2020 as the current campaign, for tests of the 2020 reference year through pages that
    show the current one (console, home page, imports): the live demo campaign of this year
    (sciweek.demo.live) is set aside, unpublished, for the test."""
    Campaign.objects.filter(is_demo=True).exclude(pk=demo.pk).update(is_published=False)
    return demo


@pytest.fixture
def org(demo):
    def get(name):
        return Organization.objects.get(name=name)

    return get


def sign_in(client, username):
    """Sign a demo account in, with its TOTP step already passed (as after a real code)."""
    user = User.objects.get(username=username)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return user


@pytest.fixture
def staff_client(client, demo):
    def make(username):
        sign_in(client, username)
        return client

    return make


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (skipped where Debian's chromium is missing)."""
    import os
    import shutil

    from sciweek.browser import CHROMIUM, CHROMIUM_ARGS

    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip("chromium not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # inside one unless told that tests know what they are doing.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page_factory(browser):
    contexts = []

    def make(viewport=None):
        from sciweek.browser import DESKTOP

        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _session_cookie(live_server, client) -> dict:
    """The test Client's session cookie, for a Playwright context on the live server."""
    from django.conf import settings

    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url}


@pytest.fixture
def staff_page(live_server, page_factory, demo):
    """A Playwright page signed in as a demo staff account without going through the login
    form, so browser tests do not spend django-axes attempts (5 per account). The TOTP step
    counts as passed (as `sign_in`), unless `verified=False` (an admin then meets the
    two-factor page). Given `page`, that page's context changes account (its cookies are
    replaced) instead of a new context being opened."""
    from django.test import Client

    def make(username, viewport=None, *, verified=True, page=None):
        client = Client()
        if verified:
            sign_in(client, username)
        else:
            client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
        if page is None:
            page = page_factory(viewport)
        else:
            page.context.clear_cookies()
        page.context.add_cookies([_session_cookie(live_server, client)])
        return page

    return make


@pytest.fixture
def citizen_page(live_server, page_factory, demo):
    """A Playwright page signed in as a member of the public with this phone (created with
    consent on first use), without the SMS code step: for pages behind the phone sign-in
    that a test visits but does not sign in for."""
    from django.test import Client
    from django.utils import timezone

    from sciweek.participants.models import Profile

    def make(phone, viewport=None):
        profile = Profile.objects.filter(phone=phone).select_related("user").first()
        if profile is None:
            user = User.objects.create(username=f"p_test_{phone}")
            Profile.objects.create(user=user, phone=phone, consent_at=timezone.now())
        else:
            user = profile.user
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        page = page_factory(viewport)
        page.context.add_cookies([_session_cookie(live_server, client)])
        return page

    return make
