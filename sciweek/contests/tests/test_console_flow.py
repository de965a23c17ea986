"""The organizer's flow through the console pages: assign, open, score through the judge's
page, close, publish (公示), an objection handled, finalize after the notice period; the
results page and its Excel list; the unit's entry form; the setup forms keeping what was typed
on a refusal."""
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from sciweek.accounts.models import User
from sciweek.contests import services
from sciweek.contests.models import Award, Contest, Criterion, Entry, Objection, Round, Score

from .conftest import enter, unit

pytestmark = pytest.mark.django_db


def judge_client(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def three_entries(kit):
    """Entries from Baoding's tree (no judge comes from there) so every judge may score them."""
    baoding = unit("保定市")
    return [enter(kit, f"作品{i}", baoding) for i in range(3)]


def marks(kit, values):
    return {f"c{c.pk}": v for c, v in zip(Criterion.objects.filter(round=kit.final).order_by("position"), values,
                                          strict=True)}


def test_organizer_runs_a_contest_through_the_pages(kit, staff_client, client):
    entries = three_entries(kit)
    admin = staff_client("hebei-admin")
    detail = reverse("contests:contest_detail", args=[kit.contest.pk])
    page = admin.get(detail).content.decode()
    assert kit.contest.title in page and "决赛" in page and "讲解内容" in page

    response = admin.post(reverse("contests:round_assign", args=[kit.final.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "新分配" in text and "每件作品都有至少 3 位评委" in text
    response = admin.post(reverse("contests:round_open", args=[kit.final.pk]))
    assert response.status_code == 302
    assert Round.objects.get(pk=kit.final.pk).status == Round.Status.SCORING

    # Every judge scores every entry assigned to them, through the score page.
    for n, judge in enumerate(kit.judges):
        c = judge_client(admin, judge)
        for assignment in judge.contest_assignments.filter(round=kit.final).select_related("entry"):
            base = {"action": "submit", **marks(kit, ["8", "7", str(5 + n % 3)])}
            first = c.post(reverse("contests:judge_score", args=[assignment.pk]), base)
            assert first.status_code == 200 and "确定提交" in first.content.decode()  # the confirm step
            assert Score.objects.get(assignment=assignment).status == Score.Status.DRAFT
            done = c.post(reverse("contests:judge_score", args=[assignment.pk]), {**base, "confirmed": "1"})
            assert done.status_code == 302
            assert Score.objects.get(assignment=assignment).status == Score.Status.SUBMITTED

    admin = staff_client("hebei-admin")
    page = admin.get(reverse("contests:round_progress", args=[kit.final.pk])).content.decode()
    assert "已提交 9 / 9 份" in page
    assert admin.get(reverse("contests:round_close", args=[kit.final.pk])).status_code == 200  # the question
    admin.post(reverse("contests:round_close", args=[kit.final.pk]), {"confirmed": "1"})
    assert Round.objects.get(pk=kit.final.pk).status == Round.Status.CLOSED

    results = admin.get(reverse("contests:round_results", args=[kit.final.pk])).content.decode()
    assert "一等奖" in results and entries[0].title in results

    start = timezone.now()
    admin.post(reverse("contests:contest_publish", args=[kit.contest.pk]), {"confirmed": "1"})
    assert Contest.objects.get(pk=kit.contest.pk).status == Contest.Status.PUBLICITY
    objection = services.raise_objection(kit.contest, entry=entries[0], name="张三", phone="13800000000",
                                         text="作品与某网络视频雷同。")
    page = admin.get(reverse("contests:objection_list", args=[kit.contest.pk])).content.decode()
    assert "作品与某网络视频雷同。" in page
    # A refused decision (no response) keeps the page, with the error.
    refused = admin.post(reverse("contests:objection_handle", args=[objection.pk]), {f"o{objection.pk}-decision": "dismissed"})
    assert refused.status_code == 400 and "error-summary" in refused.content.decode()
    admin.post(reverse("contests:objection_handle", args=[objection.pk]),
               {f"o{objection.pk}-decision": "dismissed", f"o{objection.pk}-response": "经核查，作品为原创。"})
    assert Objection.objects.get(pk=objection.pk).status == Objection.Status.DISMISSED

    # Too early: the notice period is still running.
    admin.post(reverse("contests:contest_finalize", args=[kit.contest.pk]), {"confirmed": "1"})
    assert Contest.objects.get(pk=kit.contest.pk).status == Contest.Status.PUBLICITY
    with freeze_time(start + timedelta(days=kit.contest.publicity_days, minutes=1)):
        admin = staff_client("hebei-admin")
        response = admin.post(reverse("contests:contest_finalize", args=[kit.contest.pk]), {"confirmed": "1"},
                              follow=True)
        assert "最终结果已公布" in response.content.decode()
    assert Contest.objects.get(pk=kit.contest.pk).status == Contest.Status.FINAL
    assert Award.objects.filter(contest=kit.contest).count() == 3


def test_the_official_list_exports_in_the_notice_format(kit, staff_client):
    entries = three_entries(kit)
    admin = User.objects.get(username="hebei-admin")
    services.assign(kit.final, actor=admin)
    services.open_round(kit.final, actor=admin)
    for judge in kit.judges:
        for a in judge.contest_assignments.filter(round=kit.final).select_related("entry"):
            value = {entries[0].pk: "9", entries[1].pk: "8", entries[2].pk: "8"}[a.entry_id]
            services.save_score(a, judge=judge, points={str(c.pk): value for c in kit.final.criteria.all()},
                                submit=True)
    client = staff_client("hebei-admin")
    response = client.get(reverse("contests:results_export", args=[kit.final.pk]))
    assert response.status_code == 200
    assert "测试科普讲解大赛决赛获奖名单.xlsx" in unquote(response["Content-Disposition"])
    from sciweek.accounts.models import AuditEvent

    assert AuditEvent.objects.filter(action="contests.results_exported", summary="测试科普讲解大赛决赛获奖名单",
                                     actor__username="hebei-admin").exists()
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "测试科普讲解大赛决赛获奖名单"
    assert list(rows[1]) == ["序号", "作品编号", "作品名称", "第一作者", "团队成员", "报送单位", "推荐单位", "组别",
                             "得分", "名次", "奖项"]
    assert rows[2][1:4] == (entries[0].code, "作品0", "作者作品0") and rows[2][8:] == (90.0, 1, "一等奖")
    # The other two tie on every key: both second, marked 并列, and share the tier the rank falls in.
    assert {r[9] for r in rows[3:]} == {"2（并列）"}
    page = client.get(reverse("contests:round_results", args=[kit.final.pk])).content.decode()
    assert "并列" in page


def test_unit_submits_an_entry_with_the_attestation(kit, staff_client):
    client = staff_client("unit-filer")
    listing = client.get(reverse("contests:unit_entries")).content.decode()
    assert kit.contest.title in listing
    url = reverse("contests:entry_submit", args=[kit.contest.pk])
    form = client.get(url).content.decode()
    assert "原创" in form and "推荐排序" not in form  # a filer cannot recommend
    org = unit("石家庄市科技信息研究所")
    data = {"organization": org.pk, "category": kit.categories[1].pk, "title": "看不见的电磁波",
            "first_author": "李四"}
    refused = client.post(url, data)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "请确认作品为原创" in text and "看不见的电磁波" in text  # nothing typed is lost
    client.post(url, {**data, "attested": "on"})
    entry = Entry.objects.get(contest=kit.contest, title="看不见的电磁波")
    assert entry.organization == org and entry.created_by.username == "unit-filer"
    response = client.post(reverse("contests:entry_withdraw", args=[entry.pk]), {"confirmed": "1"})
    assert response.status_code == 302
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.WITHDRAWN


def test_service_refusal_on_entry_is_shown(kit, staff_client):
    Contest.objects.filter(pk=kit.contest.pk).update(max_entries_per_first_author=1)
    enter(kit, "已报送", unit("保定市"), author="王五")
    client = staff_client("hebei-admin")
    response = client.post(reverse("contests:entry_submit", args=[kit.contest.pk]), {
        "organization": unit("保定市").pk, "category": kit.categories[0].pk, "title": "第二件", "first_author": "王五",
        "attested": "on"})
    assert response.status_code == 400
    assert "每位第一作者最多报送 1 件作品" in response.content.decode()


def test_contest_and_rubric_forms_save_and_keep_input_on_refusal(staff_client, reference_year):
    client = staff_client("hebei-admin")
    url = reverse("contests:contest_new")
    assert client.get(url).status_code == 200
    from sciweek.organizations.models import Organization

    hebei = Organization.objects.get(name="河北省")
    data = {"organization_choice": hebei.pk, "title": "河北省科普微视频大赛", "slug": "video", "kind": "micro_video",
            "judges_per_entry": "3", "publicity_days": "7", "vote_share_percent": "0",
            "votes_per_entry_per_day": "3", "votes_per_category_per_day": "15",
            "entries_open_at": "2020-05-01T08:00", "entries_close_at": "2020-04-01T08:00",
            "categories-TOTAL_FORMS": "2", "categories-INITIAL_FORMS": "0",
            "categories-0-name": "科普工作者组", "categories-1-name": "",
            "tiers-TOTAL_FORMS": "2", "tiers-INITIAL_FORMS": "0",
            "tiers-0-name": "一等奖", "tiers-0-count": "2", "tiers-0-share_percent": "10", "tiers-1-name": ""}
    refused = client.post(url, data)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "截止时间必须晚于开始时间" in text and "名额和比例只填一项" in text
    assert "河北省科普微视频大赛" in text and 'value="科普工作者组"' in text
    assert not Contest.objects.filter(slug="video").exists()
    data.update({"entries_close_at": "2020-06-01T08:00", "tiers-0-share_percent": ""})
    response = client.post(url, data)
    assert response.status_code == 302
    contest = Contest.objects.get(slug="video")
    assert [c.name for c in contest.categories.all()] == ["科普工作者组"]
    assert [(t.name, t.count) for t in contest.prize_tiers.all()] == [("一等奖", 2)]

    round_url = reverse("contests:round_new", args=[contest.pk])
    rows = {"kind": "final", "name": "决赛", "aggregation": "trimmed_mean",
            "criteria-TOTAL_FORMS": "2", "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "内容", "criteria-0-weight": "60", "criteria-0-min_points": "0",
            "criteria-0-max_points": "0",
            "criteria-1-name": "表达", "criteria-1-weight": "40", "criteria-1-max_points": "10"}
    refused = client.post(round_url, rows)
    assert refused.status_code == 400 and "最高分必须大于最低分" in refused.content.decode()
    rows["criteria-0-max_points"] = "10"
    assert client.post(round_url, rows).status_code == 302
    rnd = Round.objects.get(contest=contest)
    assert [(c.name, c.weight) for c in rnd.criteria.all()] == [("内容", Decimal("60")), ("表达", Decimal("40"))]


def test_judges_and_quotas_from_the_detail_page(kit, staff_client):
    client = staff_client("hebei-admin")
    url = reverse("contests:judge_add", args=[kit.panel.pk])
    response = client.post(url, {f"p{kit.panel.pk}-username": "hebei-filer"}, follow=True)
    assert "没有评委角色" in response.content.decode()
    newcomer = User.objects.create(username="new-judge", full_name="新评委")
    from sciweek.accounts.models import Membership, Role

    Membership.objects.create(user=newcomer, organization=unit("河北大学"), role=Role.JUDGE)
    client.post(url, {f"p{kit.panel.pk}-username": "new-judge", f"p{kit.panel.pk}-is_chief": "on"})
    assert kit.panel.judges.get(judge=newcomer).is_chief
    sjz = unit("石家庄市")
    client.post(reverse("contests:quota_set", args=[kit.contest.pk]), {"organization": sjz.pk, "places": "2"})
    assert kit.contest.quotas.get(organization=sjz).places == 2
    page = client.get(reverse("contests:contest_detail", args=[kit.contest.pk])).content.decode()
    assert "新评委" in page and "石家庄市" in page


def test_entries_filter_disqualify_and_void_votes(kit, staff_client):
    baoding = unit("保定市")
    first = enter(kit, "甲作品", baoding)
    enter(kit, "乙作品", baoding, category=kit.categories[1])
    withdrawn = enter(kit, "撤回的作品", baoding)
    services.withdraw_entry(withdrawn, actor=kit.admin)
    client = staff_client("hebei-admin")
    url = reverse("contests:entry_list", args=[kit.contest.pk])
    page = client.get(url, {"category": kit.categories[1].pk}).content.decode()
    assert "乙作品" in page and "甲作品" not in page
    page = client.get(url, {"status": "withdrawn"}).content.decode()
    assert "撤回的作品" in page and "已撤回" in page and "甲作品" not in page

    disqualify = reverse("contests:entry_disqualify", args=[first.pk])
    assert client.post(disqualify, {"reason": ""}).status_code == 400
    question = client.post(disqualify, {"reason": "非原创"})
    assert "确定取消资格" in question.content.decode()
    assert Entry.objects.get(pk=first.pk).status == Entry.Status.SUBMITTED
    client.post(disqualify, {"reason": "非原创", "confirmed": "1"})
    assert Entry.objects.get(pk=first.pk).status == Entry.Status.DISQUALIFIED

    from sciweek.contests.models import Vote

    Contest.objects.filter(pk=kit.contest.pk).update(vote_enabled=True, vote_share_percent=20)
    voter = User.objects.create(username="voter-1")
    for _i in range(3):
        Vote.objects.create(contest=kit.contest, entry=first, voter=voter, day=timezone.localdate(), ip="10.0.0.9",
                            created_at=timezone.now())
    Vote.objects.filter(contest=kit.contest).update(flagged=True)
    detail = client.get(reverse("contests:contest_detail", args=[kit.contest.pk])).content.decode()
    assert "疑似刷票的来源" in detail and "<code>10.0.0.9</code>" in detail  # what to void by
    void = reverse("contests:votes_void", args=[kit.contest.pk])
    client.post(void, {"by": "ip", "value": "not-an-ip", "reason": "刷票"})
    assert Vote.objects.filter(voided_at__isnull=True).count() == 3
    client.post(void, {"by": "ip", "value": "10.0.0.9", "reason": "刷票", "confirmed": "1"})
    assert Vote.objects.filter(voided_at__isnull=False, voided_reason="刷票").count() == 3


def test_organizer_pages_query_counts(kit, staff_client, django_assert_max_num_queries):
    for i in range(8):
        enter(kit, f"作品{i}", unit("保定市"))
    services.assign(kit.final, actor=kit.admin)
    client = staff_client("hebei-admin")
    client.get(reverse("contests:console_list"))
    for name, args in (("contests:console_list", []), ("contests:contest_detail", [kit.contest.pk]),
                       ("contests:entry_list", [kit.contest.pk]), ("contests:round_results", [kit.final.pk])):
        with django_assert_max_num_queries(25):
            assert client.get(reverse(name, args=args)).status_code == 200, name
