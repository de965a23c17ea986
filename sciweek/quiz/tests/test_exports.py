"""The Excel exports of a quiz: every result in ranking order and the prize list, equal to the
figures of the statistics page (opened with openpyxl and compared), audited, no phones."""
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sciweek.accounts.models import AuditEvent
from sciweek.quiz import exports, selectors
from sciweek.quiz.models import Quiz

from .test_stats_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(demo):
    return build(demo)


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response["Cache-Control"] == "private, no-store"
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


def test_results_equal_the_page(data, staff_client):
    client = staff_client("hebei-statistician")
    page = client.get(reverse("quiz:stats", args=[data.quiz.pk])).context
    book = workbook(client.get(reverse("quiz:export_results", args=[data.quiz.pk])))
    assert book.sheetnames == ["成绩", "统计"]
    sheet = list(book["成绩"].iter_rows(values_only=True))
    assert sheet[0][0].startswith("《统计测试答题》成绩")
    assert sheet[1][:7] == ("名次", "姓名或昵称", "省份", "城市", "所在地区", "学校", "得分")
    rows = sheet[2:]
    stats = page["stats"]
    ranked = [r for r in rows if r[0] is not None]
    assert len(rows) == stats.takers and len(ranked) == stats.ranked
    assert [r[0] for r in ranked] == list(range(1, stats.ranked + 1))
    assert [r[1] for r in ranked] == [s.display_name for s in selectors.ranked_standings(data.quiz)]
    assert round(sum(r[6] for r in ranked) / len(ranked), 1) == stats.average
    assert sum(1 for r in ranked if r[6] * 100 >= data.quiz.pass_percent * r[7]) == stats.passed
    first = ranked[0]
    assert first[1:7] == ("学生p2", "河北省", "石家庄市", f"河北省 石家庄市 {data.divisions['sjz'].name}",
                          "石家庄市第一中学", 100)
    assert (first[7], first[8], first[9], first[11]) == (100, 5, 50.0, "一等奖")
    beijing = next(r for r in ranked if r[1] == "学生p4")
    assert beijing[2:4] == ("北京市", "北京市")
    assert [r[11] or "" for r in ranked] == ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "", "", ""]
    assert next(r for r in ranked if r[1] == "学生p7")[12] == "待核查"
    (out,) = [r for r in rows if r[0] is None]
    assert (out[1], out[6], out[12]) == ("学生p8", 100, "取消成绩")
    figures = {r[0]: r[1] for r in book["统计"].iter_rows(min_row=2, max_row=13, values_only=True)}
    assert figures == {str(label): value for label, value in exports.statistics_rows(stats)}
    bands = [r for r in book["统计"].iter_rows(values_only=True) if r[0] and str(r[0]).endswith("%")]
    assert [(label, n) for label, n, *_rest in bands] == [(b.label, b.count) for b in stats.bands]
    assert not any("139" in str(v) or "phone" in str(v) for r in rows for v in r if v)  # no phone numbers
    event = AuditEvent.objects.get(action="quiz.results_exported")
    assert event.detail == {"quiz": data.quiz.pk, "kind": "results", "rows": 9}
    assert event.organization == data.quiz.organization


def test_prizes_equal_the_page(data, staff_client):
    client = staff_client("hebei-admin")
    page = client.get(reverse("quiz:stats", args=[data.quiz.pk])).context
    book = workbook(client.get(reverse("quiz:export_prizes", args=[data.quiz.pk])))
    rows = list(book["获奖名单"].iter_rows(values_only=True))
    assert rows[0][0].startswith("《统计测试答题》获奖名单")
    assert rows[1][0] == page["prize_basis_text"]
    assert "一等奖 1 人、二等奖 2 人、三等奖 2 人" in rows[1][0]
    assert rows[2] == ("名次", "奖项", "姓名或昵称", "所在地区", "学校", "得分", "用时（秒）", "交卷时间", "备注")
    listed = [(r[0], r[1], r[2], r[8] or "") for r in rows[3:]]
    assert listed == [(1, "一等奖", "学生p2", ""), (2, "二等奖", "学生p1", ""), (3, "二等奖", "学生p7", "成绩待核查"),
                      (4, "三等奖", "学生p3", ""), (5, "三等奖", "学生p9", "与上一名成绩、用时和交卷时间相同")]
    assert [(r.rank, r.tier_label, r.standing.display_name) for r in page["prizes"]] == [x[:3] for x in listed]
    assert rows[3][3] == "河北省 石家庄市"
    assert AuditEvent.objects.get(action="quiz.results_exported").detail["kind"] == "prizes"


def test_prizes_by_share_with_the_tie_below_the_last_prize(data, staff_client):
    Quiz.objects.filter(pk=data.quiz.pk).update(prize_basis="share", first_prizes=10, second_prizes=20, third_prizes=20)
    # 8 ranked: round(0.8) = 1, round(2.4) = 2, round(4.0) = 4 → 1, 1, 2; p9 ties with p3 (4th)
    book = workbook(staff_client("hebei-admin").get(reverse("quiz:export_prizes", args=[data.quiz.pk])))
    rows = list(book["获奖名单"].iter_rows(values_only=True))
    assert "按比例评定" in rows[1][0] and "一等奖 1 人、二等奖 1 人、三等奖 2 人" in rows[1][0]
    listed = [(r[0], r[1] or "", r[2]) for r in rows[3:]]
    assert listed == [(1, "一等奖", "学生p2"), (2, "二等奖", "学生p1"), (3, "三等奖", "学生p7"), (4, "三等奖", "学生p3"),
                      (5, "", "学生p9")]
    assert "按规则未获奖" in rows[-1][8]


def test_a_name_is_never_a_formula(data, staff_client):
    from sciweek.quiz.models import Standing

    Standing.objects.filter(quiz=data.quiz, person=data.people["p2"]).update(display_name="=HYPERLINK(\"x\")")
    book = workbook(staff_client("hebei-admin").get(reverse("quiz:export_results", args=[data.quiz.pk])))
    cell = book["成绩"]["B3"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"


def test_an_empty_quiz_exports(demo, staff_client, data):
    quiz = Quiz.objects.create(campaign=demo, organization=data.quiz.organization, slug="empty", title="空答题",
                               opens_at=data.quiz.opens_at, closes_at=data.quiz.closes_at, seconds_per_question=30)
    client = staff_client("hebei-admin")
    results = workbook(client.get(reverse("quiz:export_results", args=[quiz.pk])))
    assert len(list(results["成绩"].iter_rows(values_only=True))) == 2
    prizes = workbook(client.get(reverse("quiz:export_prizes", args=[quiz.pk])))
    assert len(list(prizes["获奖名单"].iter_rows(values_only=True))) == 3
    assert client.get(reverse("quiz:stats", args=[quiz.pk])).status_code == 200
