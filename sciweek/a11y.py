"""Accessibility checks for the browser tests: axe-core (from the npm package the test set-up
installs, never a CDN) for WCAG 2.0/2.1 A and AA, a reflow check (WCAG 1.4.10), and the
keyboard helpers of the keyboard-only walks (where focus is, whether it can be seen)."""
import re
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """Every WCAG 2.0/2.1 A/AA violation axe-core finds on the page as it stands now."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (bin/test does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the site's CSP (script-src 'self') stays on.
        page.evaluate(AXE_JS.read_text() + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """One readable line per violation and element, for an assertion message."""
    lines = []
    for violation in violations:
        for node in violation["nodes"][:5]:
            lines.append(f"{violation['id']} ({violation['impact']}): {' '.join(node['target'])} — "
                         f"{node.get('failureSummary', '').splitlines()[-1].strip()}")
        if len(violation["nodes"]) > 5:
            lines.append(f"{violation['id']}: … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def sideways_overflow(page) -> list[str]:
    """Elements that stick out past the viewport's right edge (the page would scroll
    sideways), innermost first; [] when the page reflows. Content inside a scroll container
    of its own (a wide table in .table-wrap) is allowed by WCAG 1.4.10 and not listed; but
    whenever the document itself is wider than the viewport, the answer is never [] (an
    absolutely placed element can escape its scroller's clipping and widen the page)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width + 1) return [];
          const inScroller = el => {
            for (let p = el.parentElement; p; p = p.parentElement) {
              const ox = getComputedStyle(p).overflowX;
              if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') return true;
            }
            return false;
          };
          const out = [];
          for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > width + 1 && r.width > 0 && !inScroller(el)) {
              const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
              out.push(`${name} right=${Math.round(r.right)} > ${width}`);
            }
          }
          if (!out.length) out.push(`document scrollWidth=${document.documentElement.scrollWidth} > ${width}`);
          return out.reverse().slice(0, 8);
        }"""
    )


class Findings:
    """Problems collected over many pages, so one test reports them all at once:
    `assert not findings, findings.report()`."""

    def __init__(self):
        self.items: list[str] = []

    def add(self, label: str, text: str) -> None:
        self.items.append(f"[{label}]\n{text}")

    def axe(self, page, label: str) -> None:
        violations = axe_violations(page)
        if violations:
            self.add(f"{label} {page.url}", describe(violations))

    def overflow(self, page, label: str) -> None:
        sticking_out = sideways_overflow(page)
        if sticking_out:
            self.add(f"{label} {page.url} scrolls sideways", "\n".join(sticking_out))

    def clipped(self, page, label: str) -> None:
        hidden = cut_off(page)
        if hidden:
            self.add(f"{label} {page.url} cuts text off", "\n".join(hidden))

    def error_links(self, page, label: str, *, field_errors: bool = True) -> None:
        """On a page showing form errors: announced once, each tied to its field."""
        problems = error_link_problems(page, field_errors=field_errors)
        if problems:
            self.add(f"{label} {page.url} errors not tied to their fields", "\n".join(problems))

    def __bool__(self) -> bool:
        return bool(self.items)

    def report(self) -> str:
        return f"{len(self.items)} page(s) with problems:\n\n" + "\n\n".join(self.items)


def error_link_problems(page, *, field_errors: bool = True) -> list[str]:
    """On a page that shows form errors: [] when the errors are announced once (one
    role="alert" with text) and tied to their fields: every aria-describedby /
    aria-labelledby / aria-errormessage names elements that exist, and (`field_errors`:
    the error is a field's, not the whole form's, as a wrong password is) at least one field
    is marked aria-invalid and each such field is described by text a screen reader reads
    out with it."""
    return page.evaluate(
        """fieldErrors => {
          const out = [];
          const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? `[name=${el.name}]` : '');
          for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-errormessage']) {
            for (const el of document.querySelectorAll(`[${attr}]`)) {
              for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
                if (!document.getElementById(id)) out.push(`${name(el)} ${attr}="${id}": no element has that id`);
              }
            }
          }
          const alerts = Array.from(document.querySelectorAll('[role="alert"], [aria-live="assertive"]'))
            .filter(el => (el.textContent || '').trim());
          if (alerts.length !== 1) out.push(`${alerts.length} alerts announce the errors (${alerts.map(name).join(', ')}), not one`);
          const invalid = Array.from(document.querySelectorAll('[aria-invalid="true"]'));
          if (fieldErrors && !invalid.length) out.push('no field is marked aria-invalid="true"');
          for (const el of invalid) {
            const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
            const text = ids.map(id => document.getElementById(id)).filter(Boolean)
              .map(d => (d.textContent || '').trim()).join(' ');
            if (!text) out.push(`${name(el)} is invalid but no error text describes it`);
          }
          return out;
        }""",
        field_errors,
    )


# --- keyboard -------------------------------------------------------------------------------

# What the keyboard walk needs to know about the focused element: who it is (an accessible
# name close enough to what a screen reader says, its id and href) and whether a sighted
# keyboard user can see it: inside the viewport, not painted over by something else (a sticky
# bar), with a focus indicator (an outline or a box-shadow ring).
_FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const text = node => (node ? (node.innerText || node.textContent || '') : '').replace(/\\s+/g, ' ').trim();
  let name = el.getAttribute('aria-label') || '';
  if (!name && el.getAttribute('aria-labelledby'))
    name = el.getAttribute('aria-labelledby').split(/\\s+/).map(id => text(document.getElementById(id))).join(' ');
  if (!name && el.labels && el.labels.length) name = Array.from(el.labels).map(text).join(' ');
  if (!name && ['A', 'BUTTON', 'SUMMARY'].includes(el.tagName)) name = text(el);
  if (!name && el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type)) name = el.value;
  if (!name) name = el.getAttribute('title') || '';
  const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const inViewport = r.width > 0 && r.height > 0 && cx >= 0 && cy >= 0 &&
    cx <= window.innerWidth && cy <= window.innerHeight;
  let coveredBy = null;
  if (inViewport) {
    const hit = document.elementFromPoint(cx, cy);
    const related = hit && (el.contains(hit) || (hit.contains(el) && hit !== document.body && hit !== document.documentElement));
    if (!related) {
      const cover = hit && (hit.closest('.sticky-actions') || hit);
      coveredBy = cover ? cover.tagName.toLowerCase() + (cover.id ? '#' + cover.id : '') +
        (typeof cover.className === 'string' && cover.className.trim() ? '.' + cover.className.trim().split(/\\s+/).join('.') : '')
        : 'nothing (outside the page)';
    }
  }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '', name,
    href: el.getAttribute('href') || '', value: 'value' in el ? String(el.value) : '',
    checked: !!el.checked, inViewport, coveredBy, ring: outline || shadow,
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`, boxShadow: style.boxShadow,
    rect: [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)],
  };
}"""


def focused(page) -> dict | None:
    """What has the keyboard focus now (None when nothing but the page has it)."""
    return page.evaluate(_FOCUS_JS)


def label_of(info: dict | None) -> str:
    if info is None:
        return "(the page)"
    who = info["tag"] + (f"#{info['id']}" if info["id"] else "") + (f"[href={info['href']}]" if info["href"] else "")
    return f'{who} "{info["name"][:40]}"'


def _matcher(page, target):
    if callable(target):
        return target
    if "=>" in target:  # a JavaScript predicate on the focused element
        return lambda info: info is not None and page.evaluate(f"({target})(document.activeElement)")
    wanted = re.sub(r"\s+", " ", target).strip()
    return lambda info: info is not None and info["name"] == wanted


def tab_to(page, target, max_steps: int = 80, *, backwards: bool = False, on_step=None) -> dict:
    """Press Tab (Shift+Tab when `backwards`) until the focused element matches `target`: an
    accessible name (exact), a JavaScript predicate on the element ("el => el.id === 'x'")
    or a Python predicate on `focused()`'s dict. `on_step(info)` sees every element focus
    passes on the way (the target included), for the visibility checks. Fails with the path
    taken when `max_steps` presses do not get there."""
    matches = _matcher(page, target)
    key = "Shift+Tab" if backwards else "Tab"
    trail = []
    for _step in range(max_steps):
        page.keyboard.press(key)
        info = focused(page)
        trail.append(label_of(info))
        if on_step is not None and info is not None:
            on_step(info)
        if matches(info):
            return info
    raise AssertionError(f"{max_steps} × {key} did not reach {target!r} on {page.url}; focus went:\n"
                         + "\n".join(trail[-30:]))


def focus_problems(info: dict) -> list[str]:
    """Why a sighted keyboard user could not see this focused element ([] when they can)."""
    problems = []
    if not info["inViewport"]:
        problems.append(f"outside the viewport at {info['rect']}")
    elif info["coveredBy"]:
        problems.append(f"hidden behind {info['coveredBy']} at {info['rect']}")
    if not info["ring"]:
        problems.append(f"no visible focus ring (outline: {info['outline']}; box-shadow: {info['boxShadow']})")
    return problems


_date_orders: dict[str, str] = {}


def date_order(browser) -> str:
    """The order Chromium's date field shows its parts in ("MDY", "DMY" or "YMD"): it follows
    the browser's own locale (not the page's), so the keys a person types depend on it. Found
    once per browser by typing into a field on a blank page of a context of its own."""
    version = browser.version
    if version not in _date_orders:
        context = browser.new_context(locale="zh-CN")
        try:
            probe = context.new_page()
            found = None
            for order in ("MDY", "DMY", "YMD"):
                probe.set_content('<input id="d" type="date">')
                probe.keyboard.press("Tab")
                _press_all(probe, _date_keys(order, "2003-01-02"))
                if probe.evaluate("document.getElementById('d').value") == "2003-01-02":
                    found = order
                    break
            if found is None:
                raise RuntimeError("cannot tell the order of this Chromium's date field")
            _date_orders[version] = found
        finally:
            context.close()
    return _date_orders[version]


def _date_keys(order: str, iso: str, *, time_follows: bool = False) -> list[tuple[str, str]]:
    year, month, day = iso.split("-")
    if order == "YMD":  # the year takes up to 6 digits and does not move on by itself
        return [("type", year), ("press", "Tab"), ("type", month + day)]
    digits = (month + day if order == "MDY" else day + month) + year
    return [("type", digits)] + ([("press", "Tab")] if time_follows else [])


def _press_all(page, keys) -> None:
    for how, key in keys:
        if how == "press":
            page.keyboard.press(key)
        else:
            page.keyboard.type(key)


def type_date(page, iso: str) -> None:
    """Type a date (YYYY-MM-DD) into the focused date field, part by part, as a person does."""
    _press_all(page, _date_keys(date_order(page.context.browser), iso))


def type_datetime(page, iso: str) -> None:
    """Type a date and time (YYYY-MM-DDTHH:MM) into the focused datetime-local field. The hour
    is typed on the 24-hour clock and followed by A/P, which a 12-hour field needs and a
    24-hour field ignores."""
    day, clock = iso.split("T")
    _press_all(page, _date_keys(date_order(page.context.browser), day, time_follows=True))
    hour, minute = clock.split(":")
    page.keyboard.type(hour + minute + ("P" if int(hour) >= 12 else "A"))


# --- the demo's pages -----------------------------------------------------------------------
# The pages the accessibility, reflow and large-text tests walk, picked by query from the demo
# (the live campaign of this year and 2020), never by a fixed id.

def bookable_session(campaign=None, *, other_than=None):
    """A session of the live demo campaign with a free place (not the waiting list), soonest
    first: what a citizen can book now (`other_than`: not that one)."""
    from django.db.models import F

    from sciweek.activities.models import Session
    from sciweek.activities.selectors import bookable_sessions
    from sciweek.demo.live import live_campaign

    campaign = campaign or live_campaign()
    sessions = Session.objects.filter(bookable_sessions(), activity__campaign=campaign, seats_taken__lt=F("capacity"))
    if other_than is not None:
        sessions = sessions.exclude(pk=other_than.pk)
    return sessions.select_related("activity", "activity__campaign").order_by("starts_at", "id").first()


def public_pages(*, english: bool = False) -> list[tuple[str, str]]:
    """(label, path) of every public page that needs no sign-in: the live year's and 2020's.
    `english`: the main ones only (the English walk repeats the busiest pages)."""
    from sciweek.activities.public_views import PER_PAGE
    from sciweek.activities.selectors import public_activities
    from sciweek.campaigns.models import Campaign
    from sciweek.demo.live import live_campaign
    from sciweek.news.selectors import public_news
    from sciweek.organizations.models import Organization

    live = live_campaign()
    old = Campaign.objects.get(year=2020, is_demo=True)
    y, hebei = live.year, Organization.objects.get(name="河北省")
    onsite = bookable_session(live).activity
    online = public_activities(live).filter(format="online").order_by("id").first()
    news = public_news(live).first()
    pages = [
        ("home", "/"),
        ("catalog", f"/{y}/activities/"),
        ("activity (on site, sessions)", f"/{y}/activities/{onsite.pk}/"),
        ("activity (online)", f"/{y}/activities/{online.pk}/"),
        ("calendar", f"/{y}/calendar/"),
        ("map", f"/{y}/map/"),
        ("online week", f"/{y}/online/"),
        ("news feed", f"/{y}/news/"),
        ("news item", f"/{y}/news/{news.pk}/"),
    ]
    quiz_pages = quiz_public_pages(live, old) + contest_public_pages(live, old)
    if english:
        return pages + [("sign-in", "/signin/"), ("region", f"/{y}/regions/{hebei.pk}/")] + [
            page for page in quiz_pages if page[0] in ("quiz list", "quiz (open now)", "2020 contest prize list",
                                                       "2020 contest entry")]
    pages += [
        ("catalog, searched and filtered", f"/{y}/activities/?q=开放日&format=onsite&bookable=1"),
        ("calendar, one day", f"/{y}/calendar/?view=day&day={live.starts_on.isoformat()}"),
        ("online week, videos", f"/{y}/online/?channel=video"),
        ("region", f"/{y}/regions/{hebei.pk}/"),
        ("2020 catalog", "/2020/activities/"),
        ("2020 region (Hebei, 629)", f"/2020/regions/{hebei.pk}/"),
        ("2020 activity", f"/2020/activities/{public_activities(old).filter(format='onsite').order_by('id').first().pk}/"),
        ("2020 news", "/2020/news/"),
        ("sign-in", "/signin/"),
        ("staff login", "/accounts/login/"),
        ("404", "/no-such-page/"),
    ]
    if public_activities(live).count() > PER_PAGE:
        pages.append(("catalog page 2", f"/{y}/activities/?page=2"))
    else:  # the live year fits on one page; 2020 has hundreds
        pages.append(("2020 catalog page 2", "/2020/activities/?page=2"))
    old_news = public_news(old).first()
    if old_news is not None:
        pages.append(("2020 news item", f"/2020/news/{old_news.pk}/"))
    from sciweek.commendations.models import Commendation

    commendation = Commendation.objects.filter(campaign=old, organization=hebei, status="final").first()
    if commendation is not None:
        pages.append(("2020 commendation list (Hebei)", f"/2020/commendations/{commendation.pk}/"))
    return pages + quiz_pages


def quiz_public_pages(live, old) -> list[tuple[str, str]]:
    """The quiz's public pages (no sign-in): the live year's quizzes (the one open now, the one
    coming), their boards, 2020's finished quiz with its results, and a certificate's
    verification page (valid and not). Picked by query from the demo's quizzes."""
    from django.utils import timezone

    from sciweek.quiz import certificates
    from sciweek.quiz.models import Attempt, Quiz

    now = timezone.now()
    published = Quiz.objects.filter(status=Quiz.Status.PUBLISHED).order_by("opens_at", "id")
    open_now = published.filter(campaign=live, opens_at__lte=now, closes_at__gt=now).first()
    coming = published.filter(campaign=live, opens_at__gt=now).first()
    ended = published.filter(campaign=old, closes_at__lte=now).first()
    pages = [("quiz list", f"/{live.year}/quiz/"), ("2020 quiz list", "/2020/quiz/")]
    if open_now is not None:
        base = f"/{live.year}/quiz/{open_now.slug}/"
        pages += [("quiz (open now)", base), ("quiz leaderboard", f"{base}leaderboard/"),
                  ("quiz leaderboard, by province", f"{base}leaderboard/?scope=province&key=130000")]
    if coming is not None:
        pages.append(("quiz (coming)", f"/{live.year}/quiz/{coming.slug}/"))
    if ended is not None:
        base = f"/2020/quiz/{ended.slug}/"
        pages += [("2020 quiz (ended)", base), ("2020 quiz leaderboard, city",
                                                f"{base}leaderboard/?scope=city&key=130100")]
        passed = next((a for a in Attempt.objects.filter(
            quiz=ended, is_practice=False, status__in=Attempt.Status.DONE, review="").select_related(
            "quiz").order_by("-score", "id")[:20] if certificates.available(a)), None)
        if passed is not None:
            pages.append(("quiz certificate check", certificates.verification_path(passed)))
    pages.append(("quiz certificate check, invalid", "/quiz/certificate/not-a-certificate/"))
    return pages


def contest_public_pages(live, old) -> list[tuple[str, str]]:
    """The contests' public pages: the live year's list, a contest taking entries and the live
    final's big-screen board; 2020's list, a finished contest, its prize list, a winning entry
    and an award's verification page. Picked by query from the demo's contests."""
    from sciweek.contests import certificates
    from sciweek.contests.models import Award, Contest, Round

    pages = [("contest list", f"/{live.year}/contests/"), ("2020 contest list", "/2020/contests/")]
    taking = Contest.objects.filter(campaign=live, status=Contest.Status.OPEN).order_by("id").first()
    if taking is not None:
        pages.append(("contest (taking entries)", f"/{live.year}/contests/{taking.slug}/"))
    board = Round.objects.filter(contest__campaign=live, is_live=True, status=Round.Status.SCORING).select_related(
        "contest").first()
    if board is not None:
        pages.append(("contest live board", f"/{live.year}/contests/{board.contest.slug}/live/"))
    final = Contest.objects.filter(campaign=old, status=Contest.Status.FINAL).order_by("id").first()
    if final is not None:
        base = f"/2020/contests/{final.slug}/"
        pages += [("2020 contest", base), ("2020 contest prize list", f"{base}results/")]
        award = Award.objects.filter(contest=final).select_related("entry", "contest").order_by("rank", "id").first()
        if award is not None:
            pages += [("2020 contest entry", f"{base}entries/{award.entry.number}/"),
                      ("contest certificate check", certificates.verification_path(award))]
    return pages


def console_pages() -> list[tuple[str, str, str]]:
    """(demo account, label, path) of the main console pages, each seen by an account whose
    work it is: the unit's filer, the city's reviewer, the unit's liaison, the province's admin;
    then the quiz console's pages (quiz_console_pages) and the news and summary pages
    (reporting_console_pages)."""
    from sciweek.activities.models import Activity
    from sciweek.demo.live import live_campaign
    from sciweek.organizations.models import Organization

    live = live_campaign()
    unit = Organization.objects.get(name="石家庄市科技信息研究所")
    hebei = Organization.objects.get(name="河北省")
    mine = Activity.objects.filter(campaign=live, organization=unit)
    draft = mine.filter(status="draft").order_by("id").first()
    returned = mine.filter(status="returned").order_by("id").first()
    at_city = Activity.objects.filter(campaign=live, status="submitted", review_level__name="石家庄市").order_by("id").first()
    today = session_under_way()
    return [
        ("unit-filer", "console home (filer)", "/console/"),
        ("unit-filer", "filing list", "/console/filings/"),
        ("unit-filer", "filing list, filtered", "/console/filings/?status=draft&q=科技"),
        ("unit-filer", "filing edit (draft)", f"/console/filings/{draft.pk}/edit/"),
        ("unit-filer", "filing detail (returned, with comment)", f"/console/filings/{returned.pk}/"),
        ("unit-filer", "Excel page", "/console/excel/"),
        ("unit-filer", "notifications", "/console/notifications/"),
        ("unit-filer", "campaign page (filer)", "/console/campaign/"),
        ("unit-filer", "organization (own unit)", f"/console/organizations/{unit.pk}/"),
        ("sjz-reviewer", "review inbox", "/console/review/"),
        ("sjz-reviewer", "filing detail (reviewer)", f"/console/filings/{at_city.pk}/"),
        ("unit-liaison", "session detail", f"/console/sessions/{today.pk}/"),
        ("unit-liaison", "check-in", f"/console/sessions/{today.pk}/checkin/"),
        ("unit-liaison", "news console", "/console/news/"),
        ("hebei-admin", "console home (admin)", "/console/"),
        ("hebei-admin", "organizations", "/console/organizations/"),
        ("hebei-admin", "organizations, searched", "/console/organizations/?q=定州"),
        ("hebei-admin", "organization detail (Hebei)", f"/console/organizations/{hebei.pk}/"),
        ("hebei-admin", "campaign page (admin)", "/console/campaign/"),
        ("hebei-admin", "regional plan edit (Hebei)", f"/console/campaign/plans/{hebei.pk}/"),
        ("hebei-admin", "audit log", "/console/audit/"),
    ] + quiz_console_pages(live) + reporting_console_pages() + results_console_pages()


def quiz_console_pages(live) -> list[tuple[str, str, str]]:
    """The quiz console's pages, each seen by a demo account holding the action it needs: the
    province's filer writes questions (quiz.question.write), its reviewer reviews them (the
    demo's pending questions are Hebei's) and reads the statistics of the finished 2020 quiz
    (quiz.results, with its prize list and flagged attempts), its publicity officer runs the
    quizzes (quiz.manage). The demo's quizzes are Hebei's; picked by query."""
    from django.utils import timezone

    from sciweek.quiz.models import Quiz

    now = timezone.now()
    published = Quiz.objects.filter(status=Quiz.Status.PUBLISHED).order_by("opens_at", "id")
    open_now = published.filter(campaign=live, opens_at__lte=now, closes_at__gt=now).first()
    ended = published.filter(campaign__year=2020, campaign__is_demo=True, closes_at__lte=now).first()
    pages = [
        ("hebei-filer", "quiz question bank", "/console/quiz/questions/"),
        ("hebei-filer", "quiz question, new", "/console/quiz/questions/new/"),
        ("hebei-filer", "quiz question import", "/console/quiz/questions/import/"),
        ("hebei-reviewer", "quiz question review queue", "/console/quiz/review/"),
    ]
    if ended is not None:
        pages.append(("hebei-reviewer", "quiz statistics (2020, prizes)", f"/console/quiz/{ended.pk}/stats/"))
    pages += [("hebei-publicity", "quiz list", "/console/quiz/")]
    if open_now is not None:
        pages.append(("hebei-publicity", "quiz editor (open now)", f"/console/quiz/{open_now.pk}/"))
    pages.append(("hebei-publicity", "quiz, new", "/console/quiz/new/"))
    return pages


def reporting_console_pages() -> list[tuple[str, str, str]]:
    """The news and summary pages: the unit's summary of the live campaign (its draft written
    when first opened), 2020's as received by the city and the province, the dashboard, and
    the news review queue and an item's page."""
    from sciweek.demo.live import live_campaign
    from sciweek.news.models import NewsItem
    from sciweek.reports.models import SummaryReport

    live = live_campaign()
    pages = [("unit-publicity", "summaries (unit)", "/console/reports/"),
             ("sjz-reviewer", "summaries received (2020, accepted)", "/console/reports/inbox/?year=2020&status=accepted"),
             ("hebei-reviewer", "reporting dashboard (Hebei, 2020)", "/console/reports/dashboard/?year=2020"),
             ("hebei-reviewer", "news review queue", "/console/news/review/")]
    own = SummaryReport.objects.filter(campaign=live, organization__name="石家庄市科技信息研究所").first()
    if own is not None:
        pages.append(("unit-publicity", "summary (live draft, editor)", f"/console/reports/{own.pk}/"))
    city = SummaryReport.objects.filter(campaign__year=2020, organization__name="石家庄市").first()
    if city is not None:
        pages.append(("hebei-reviewer", "summary (2020 city, with its units)", f"/console/reports/{city.pk}/"))
    item = NewsItem.objects.filter(campaign__year=2020, images__isnull=False).order_by("id").first()
    if item is not None:
        pages.append(("hebei-publicity", "news item (2020, with pictures)", f"/console/news/{item.pk}/"))
    return pages


def results_console_pages() -> list[tuple[str, str, str]]:
    """Statistics, evaluation and commendation: the nation's and Hebei's 2020 statistics,
    Hebei's 2020 evaluation (scorecard, scheme, simulator) and its final commendation list."""
    from sciweek.commendations.models import Commendation
    from sciweek.evaluation.models import Evaluation
    from sciweek.organizations.models import Organization

    hebei = Organization.objects.get(name="河北省")
    pages = [("national-statistician", "statistics (nation, 2020)", "/console/statistics/?year=2020"),
             ("hebei-statistician", "statistics (Hebei, 2020, by organization kind)",
              f"/console/statistics/?year=2020&org={hebei.pk}&by=org_kind"),
             ("hebei-admin", "evaluations", "/console/evaluation/"),
             ("hebei-admin", "commendations", "/console/commendations/?year=2020")]
    evaluation = Evaluation.objects.filter(campaign__year=2020, organization=hebei).first()
    if evaluation is not None:
        pages += [("hebei-admin", "scorecard (Hebei 2020, cities)", f"/console/evaluation/{evaluation.pk}/?group=cities"),
                  ("hebei-admin", "evaluation scheme", f"/console/evaluation/{evaluation.pk}/scheme/"),
                  ("hebei-admin", "weight simulator", f"/console/evaluation/{evaluation.pk}/simulate/")]
    commendation = Commendation.objects.filter(campaign__year=2020, organization=hebei, status="final").first()
    if commendation is not None:
        pages.append(("hebei-admin", "commendation list (final)", f"/console/commendations/{commendation.pk}/"))
    return pages


def session_under_way():
    """The live demo's session under way now (the unit's open day, with people already let
    in and more to come): the door's check-in page has work to show."""
    from django.utils import timezone

    from sciweek.activities.models import Session
    from sciweek.demo.live import live_campaign

    now = timezone.now()
    return (Session.objects.filter(activity__campaign=live_campaign(), activity__organization__name="石家庄市科技信息研究所",
                                   activity__status="approved", starts_at__lte=now, ends_at__gt=now)
            .order_by("starts_at", "id").first())


def cut_off(page) -> list[str]:
    """Elements whose content is clipped (overflow hidden or clip, or an ellipsis) so that
    part of it cannot be seen or reached: what large text must never cause. Scroll
    containers (a wide table in .table-wrap) and visually hidden text for screen readers
    (1-px boxes) are not reported; nor form controls, whose text scrolls inside them."""
    return page.evaluate(
        """() => {
          const out = [];
          for (const el of document.body.querySelectorAll('*')) {
            if (['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'svg', 'IMG', 'VIDEO', 'IFRAME', 'CANVAS'].includes(el.tagName)) continue;
            const s = getComputedStyle(el);
            const clips = v => v === 'hidden' || v === 'clip';
            if (el.clientWidth <= 2 || el.clientHeight <= 2 || s.display === 'none') continue;
            const x = clips(s.overflowX) && el.scrollWidth > el.clientWidth + 1;
            const y = clips(s.overflowY) && el.scrollHeight > el.clientHeight + 1;
            if ((x || y) && (el.innerText || '').trim()) {
              const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
              out.push(`${name} clips its content (${x ? `${el.scrollWidth} > ${el.clientWidth} px wide` : ''}` +
                       `${x && y ? ', ' : ''}${y ? `${el.scrollHeight} > ${el.clientHeight} px high` : ''})`);
            }
          }
          return out.slice(0, 8);
        }"""
    )
