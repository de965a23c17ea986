"""The work plan written from the data (statistics.workplan): Hebei 2020 reproduces its plan's
counts and its 10 + 13 key activities with their hosts; the national list holds the flagships;
any other year and a level with nothing filed read naturally; the command's errors; the
download's permissions."""
import io
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.urls import path, reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from sciweek.accounts.models import AuditEvent, Membership, Role, User
from sciweek.activities.models import Activity, ActivityHost, Session
from sciweek.campaigns.models import Campaign, ContentArea, Deadline, RegionalPlan
from sciweek.demo import demo_data
from sciweek.organizations.models import Organization
from sciweek.statistics import workplan
from sciweek.statistics.workplan_views import download
from sciweek.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db

# The view's route for these tests (the app's urls.py routes it as statistics:work_plan).
urlpatterns = [*site_urlpatterns, path("console/statistics/work-plan-test/", download, name="work_plan_test")]
handler403 = "sciweek.core.errors.permission_denied"
handler404 = "sciweek.core.errors.page_not_found"

SEED = Path(__file__).resolve().parents[4] / "shared" / "seeds" / "hebei-plan-2020.txt"
YEAR = 2091


def paragraphs(data) -> list[str]:
    document = Document(data if isinstance(data, str) else io.BytesIO(data))
    return [p.text for p in document.paragraphs]


def section(lines: list[str], heading: str) -> list[str]:
    """The paragraphs after `heading` up to the next heading of the same kind."""
    start = lines.index(heading) + 1
    pattern = r"^[一二三四五六七八九十]+、"
    if heading.startswith("（"):
        pattern = r"^（[一二三四五六七八九十]+）|" + pattern
    end = next((i for i in range(start, len(lines)) if re.match(pattern, lines[i])), len(lines))
    return lines[start:end]


def city_hosts(city: str, hosts) -> str:
    if hosts == "all4":
        return f"{city}科技局、市委宣传部、市卫生健康委、市科协"
    return "、".join(f"{city}{short}" for short in hosts)


# --- Hebei 2020 ----------------------------------------------------------------------------

@pytest.fixture
def hebei_docx(demo, org, tmp_path):
    plan = workplan.plan_outline(demo, org("河北省"))
    out = tmp_path / plan.filename
    workplan.write_docx(plan, str(out))
    return plan, out


def test_hebei_2020_reads_in_the_plans_structure(hebei_docx):
    plan, out = hebei_docx
    lines = paragraphs(str(out))
    assert lines[0] == "2020年河北省科技活动周工作方案"
    assert out.name == "2020年河北省科技活动周工作方案.docx"
    headings = [line for line in lines if re.match(r"^[一二三四五六七八九十]+、", line)]
    assert headings[:4] == ["一、科技活动周主题", "二、举办时间", "三、重点内容", "四、重点活动"]
    assert headings[-1].endswith("、工作要求")
    assert section(lines, "一、科技活动周主题") == ["全国：科技战疫 创新强国", "河北：科学防控 科普行动 科技扶贫 科创惠民"]
    assert section(lines, "二、举办时间") == ["2020年8月23日—29日"]
    content = "".join(section(lines, "三、重点内容"))
    assert "围绕全国和我省科技活动周主题" in content
    assert all(area in content for area in demo_data.HEBEI_FOCUS_AREAS)
    assert "国科发智〔2020〕167号" in lines[1] and "结合我省实际" in lines[1]


def test_hebei_2020_counts_sentence_is_the_plans(hebei_docx):
    plan, out = hebei_docx
    text = "\n".join(paragraphs(str(out)))
    sentence = ("根据各地各部门组织情况，2020年我省科技活动周将开展629项活动，其中省级有关部门开展科普活动110项；"
                "各市有关单位推荐科普活动474项；科研机构和大学参与开放活动45场次。其中省市重点活动安排如下：")
    assert sentence in text
    assert "科研机构19所，高校10所。" in text
    assert (plan.counts.total, plan.counts.open_research_institutes, plan.counts.open_universities) == (629, 19, 10)
    assert [name for name, _ in demo_data.HEBEI_RESEARCH_INSTITUTES] == plan.institutes
    assert [name for name, _ in demo_data.HEBEI_UNIVERSITIES] == plan.universities
    assert f"科研机构：{'、'.join(plan.institutes)}。" in text


def test_hebei_2020_lists_exactly_its_10_and_13_key_activities_with_their_hosts(hebei_docx):
    plan, out = hebei_docx
    lines = paragraphs(str(out))
    assert section(lines, "（一）省级重大科普活动") == [
        f"{n}.{title}。由{'、'.join(hosts)}主办。"
        for n, (title, hosts, *_rest) in enumerate(demo_data.HEBEI_PROVINCIAL_MAJOR, start=1)]
    assert section(lines, "（二）各市组织重点科普活动") == [
        f"{n}.{title}。由{city_hosts(city, hosts)}主办。"
        for n, (title, city, hosts) in enumerate(demo_data.HEBEI_CITY_KEY, start=1)]
    assert [len(key_list.items) for key_list in plan.key_lists] == [10, 13]
    assert section(lines, "（三）参与开放活动的科研机构和大学")[0] == "科研机构19所，高校10所。"


def test_hebei_2020_against_the_plans_own_text(hebei_docx):
    """The counts sentence word for word, and the hosts as Hebei's plan writes them but for the
    lines the demo records more plainly: “省科技厅会同省气象局、省教育厅等部门”, “承德市科技局及有
    关部门” (see demo_data), and 河北省微生物研究所, which has no short name in the demo."""
    if not SEED.exists():
        pytest.skip("the seeds are not next to this checkout")
    plan, _out = hebei_docx
    seed = SEED.read_text(encoding="utf-8")
    assert plan.counts_sentence in seed
    clauses = [re.search(r"由.+主办", item.text).group(0) for key_list in plan.key_lists for item in key_list.items]
    assert [c for c in clauses if c not in seed] == [
        "由省科技厅、省科学院、河北省微生物研究所主办", "由省科技厅、省气象局、省教育厅主办", "由承德市科技局主办"]
    for title, *_rest in demo_data.HEBEI_PROVINCIAL_MAJOR + demo_data.HEBEI_CITY_KEY:
        assert title in seed


def test_hebei_2020_reporting_requirements_come_from_its_deadlines(hebei_docx):
    _plan, out = hebei_docx
    text = "\n".join(paragraphs(str(out)))
    assert "在活动举办后3日内报送省科技厅政策法规处" in text
    assert "请于2020年9月10日前将本地本部门活动总结、影像资料（视频时长不超过3分钟）报送省科技厅政策法规处" in text
    assert "各市科技部门汇总本地有关单位资料后再行报送" in text
    assert "7月31日" not in text  # the national filing deadline is the committee's, not the province's


def test_the_document_is_set_in_official_faces(hebei_docx):
    _plan, out = hebei_docx
    document = Document(str(out))

    def face(paragraph):
        return paragraph.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    title, opening, first_heading = document.paragraphs[:3]
    assert face(title) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert face(first_heading) == "黑体" and first_heading.style.name == "Heading 1"
    assert face(opening) == "仿宋" and document.styles["Normal"].font.size.pt == 16
    sub = next(p for p in document.paragraphs if p.text.startswith("（一）"))
    assert face(sub) == "楷体" and sub.style.name == "Heading 2"
    fonts = document.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsiaTheme")) is None and fonts.get(qn("w:eastAsia")) == "黑体"


def test_the_plan_reads_in_a_bounded_number_of_queries(demo, org, django_assert_max_num_queries):
    hebei, root = org("河北省"), Organization.objects.get(name=demo_data.NATIONAL_COMMITTEE)
    with django_assert_max_num_queries(25):
        workplan.plan_outline(demo, hebei)
    with django_assert_max_num_queries(25):
        workplan.plan_outline(demo, root)


def test_a_city_plan_has_its_own_level_and_its_counties(demo, org):
    city = org("石家庄市")
    plan = workplan.plan_outline(demo, city)
    lines = paragraphs(workplan.docx_bytes(plan))
    assert lines[0] == "2020年石家庄市科技活动周工作方案"
    assert section(lines, "一、科技活动周主题") == ["全国：科技战疫 创新强国", "河北：科学防控 科普行动 科技扶贫 科创惠民"]
    assert "其中市级有关部门开展科普活动" in plan.counts_sentence
    assert "各县（市、区）有关单位推荐科普活动" in plan.counts_sentence
    assert section(lines, "（一）市级重点科普活动") == [
        f"1.{demo_data.HEBEI_CITY_KEY[0][0]}。由石家庄市科技局、市委宣传部、市卫生健康委、市科协主办。"]
    # Hebei's summary deadline binds the city's units; they send to the city's lead department.
    assert "请于2020年9月10日前" in plan.requirements[0] and "报送石家庄市科技局" in plan.requirements[0]


# --- the national list ----------------------------------------------------------------------

def test_the_national_list_holds_the_flagships_main_venue_and_regions(demo):
    root = Organization.objects.get(name=demo_data.NATIONAL_COMMITTEE)
    plan = workplan.plan_outline(demo, root)
    lines = paragraphs(workplan.docx_bytes(plan))
    assert lines[0] == "2020年全国科技活动周重点项目清单"
    flagships = section(lines, "四、重大示范活动")
    assert [re.match(r"^\d+\.(.+?)。", line).group(1) for line in flagships] == demo_data.FLAGSHIPS
    assert flagships[0] == "1.科学之夜活动。由科技部主办。"
    assert flagships[1] == "2.科研机构和大学开放。由科技部主办。各地各部门参与活动45项。"
    venue = section(lines, "三、主场活动")
    assert [line.split("。")[0] for line in venue] == [name for name, *_ in demo_data.MAIN_VENUE_EVENTS]
    assert section(lines, "（二）主题") == ["科技战疫 创新强国"]
    hebei = section(lines, "（一）河北省")
    assert hebei[0] == "共开展活动629项，其中列入方案的重点活动23项。"
    assert hebei[1] == "省级重大科普活动：" and hebei[12] == "各市组织重点科普活动："
    assert len(hebei) == 1 + 1 + 10 + 1 + 13
    text = "\n".join(lines)
    assert "科研机构和大学参与开放活动45场次（科研机构19所，高校10所）。各地重点活动安排如下：" in text
    assert "请于2020年7月31日前填报《2020年科技活动周重点项目备案表》《2020年参与开放活动的科研机构和大学备案表》" in text
    assert "请于2020年9月21日前" in text
    assert "山西省" not in text  # nothing filed there: no empty block


# --- another year, a small tree of its own ---------------------------------------------------

@pytest.fixture
def tree(demo):
    """Year 2091 under the demo's committee: 甲省 with its lead department, a research
    institute, 甲一市 (two departments, a county) and 甲二市 (nothing filed)."""
    root = Organization.objects.get(name=demo_data.NATIONAL_COMMITTEE)
    campaign = Campaign.objects.create(year=YEAR, name=f"{YEAR}年全国科技活动周", theme="科技创新 未来可期",
                                       starts_on=date(YEAR, 8, 30), ends_on=date(YEAR, 9, 5),
                                       summary_video_max_seconds=150, attendance_cap_percent=75)
    province = Organization.objects.add_child(root, {"name": "甲省", "kind": "region"})
    lead = Organization.objects.add_child(province, {"name": "甲省科学技术厅", "short_name": "甲省科技厅",
                                                     "kind": "department", "committee_role": "lead"})
    institute = Organization.objects.add_child(province, {"name": "甲省物理研究所", "kind": "research_institute"})
    city = Organization.objects.add_child(province, {"name": "甲一市", "kind": "region"})
    empty = Organization.objects.add_child(province, {"name": "甲二市", "kind": "region"})
    city_lead = Organization.objects.add_child(city, {"name": "甲一市科学技术局", "short_name": "甲一市科技局",
                                                      "kind": "department", "committee_role": "lead"})
    city_society = Organization.objects.add_child(city, {"name": "甲一市科学技术协会", "short_name": "甲一市科协",
                                                         "kind": "society"})
    county = Organization.objects.add_child(city, {"name": "甲一县", "kind": "region"})
    plan = RegionalPlan.objects.create(campaign=campaign, organization=province, theme="创新甲省 科普惠民",
                                       max_gathering=200)
    ContentArea.objects.create(campaign=campaign, plan=plan, name="科普惠民", description="面向基层开展科普活动。",
                               position=0)
    ContentArea.objects.create(campaign=campaign, plan=plan, name="创新驱动", position=1)
    Deadline.objects.create(campaign=campaign, organization=province, kind=Deadline.Kind.SUMMARY,
                            due_on=date(YEAR, 9, 15), receiver_office="甲省科技厅办公室")

    def filing(org, title, *, level=Activity.Level.UNIT, key=None, status=Activity.Status.APPROVED,
               kind=Activity.Kind.PROJECT, hosts=(), other_hosts="", fmt="online"):
        activity = Activity.objects.create(
            campaign=campaign, organization=org, title=title, level=level, is_key=key is not None, key_position=key,
            status=status, kind=kind, other_hosts=other_hosts, format=fmt,
            starts_on=date(YEAR, 8, 31), ends_on=date(YEAR, 8, 31))
        for n, host in enumerate(hosts):
            ActivityHost.objects.create(activity=activity, organization=host, position=n)
        return activity

    filing(lead, "甲省科技活动周启动式", level=Activity.Level.PROVINCIAL, key=1, hosts=[lead],
           other_hosts="甲省科普作家协会", fmt="hybrid")
    filing(lead, "甲省科普讲解大赛", level=Activity.Level.PROVINCIAL, key=2, hosts=[lead],
           status=Activity.Status.CANCELLED)
    filing(lead, "还在审核的重点活动", level=Activity.Level.PROVINCIAL, key=3, hosts=[lead],
           status=Activity.Status.SUBMITTED)
    filing(lead, "未通过的活动", status=Activity.Status.REJECTED)
    filing(city_lead, "甲一市科技活动周启动式", level=Activity.Level.CITY, key=1, hosts=[city_lead, city_society])
    filing(county, "甲一县科技下乡")
    open_day = filing(institute, "甲省物理研究所开放日", kind=Activity.Kind.OPEN_DAY, fmt="onsite")
    for day in (1, 2):
        Session.objects.create(activity=open_day, starts_at=timezone.make_aware(datetime(YEAR, 9, day, 9)),
                               ends_at=timezone.make_aware(datetime(YEAR, 9, day, 11)))
    return {"campaign": campaign, "root": root, "province": province, "city": city, "empty": empty,
            "county": county, "lead": lead}


def test_another_year_writes_the_provinces_plan_from_its_own_data(tree):
    plan = workplan.plan_outline(tree["campaign"], tree["province"])
    lines = paragraphs(workplan.docx_bytes(plan))
    assert lines[0] == f"{YEAR}年甲省科技活动周工作方案"
    assert lines[1] == f"根据{YEAR}年全国科技活动周的总体安排，结合我省实际，就{YEAR}年甲省科技活动周工作制定如下方案。"
    assert section(lines, "一、科技活动周主题") == ["全国：科技创新 未来可期", "甲：创新甲省 科普惠民"]
    assert section(lines, "二、举办时间") == [f"{YEAR}年8月30日—9月5日"]
    assert "围绕科普惠民。面向基层开展科普活动。围绕创新驱动。" in section(lines, "三、重点内容")[0]
    # approved: 1 provincial (cancelled, submitted, rejected ones are not counted), 2 in 甲一市, 2 sessions
    assert plan.counts_sentence == (
        f"根据各地各部门组织情况，{YEAR}年我省科技活动周将开展5项活动，其中省级有关部门开展科普活动1项；"
        "各市有关单位推荐科普活动2项；科研机构和大学参与开放活动2场次。其中省市重点活动安排如下：")
    assert section(lines, "（一）省级重大科普活动") == [
        "1.甲省科技活动周启动式。由甲省科技厅、甲省科普作家协会主办。",
        "2.甲省科普讲解大赛。由甲省科技厅主办。（已取消）"]
    assert section(lines, "（二）各市组织重点科普活动") == ["1.甲一市科技活动周启动式。由甲一市科技局、市科协主办。"]
    assert section(lines, "（三）参与开放活动的科研机构和大学") == ["科研机构1所。", "科研机构：甲省物理研究所。"]
    formats = section(lines, "五、活动形式")
    assert formats[0] == "已审核通过的活动中，线上活动2项，线下活动1项，线上线下结合活动1项。"
    assert formats[1] == "组织现场活动要严格落实疫情防控和安全要求，线下活动人数不超过场馆额定容量的75%，同时在场不超过200人。"
    assert plan.requirements == [
        "及时报送，认真总结。请各地各部门将科技活动周的相关动态信息及影像，在活动举办后3日内报送甲省科技厅办公室，"
        f"以便及时宣传报道。科技活动周结束后，请于{YEAR}年9月15日前将本地本部门活动总结、影像资料（视频时长不超过150秒）"
        "报送甲省科技厅办公室。各市科技部门汇总本地有关单位资料后再行报送。"]


def test_a_level_with_nothing_filed_reads_naturally(tree):
    plan = workplan.plan_outline(tree["campaign"], tree["empty"])
    lines = paragraphs(workplan.docx_bytes(plan))
    assert lines[0] == f"{YEAR}年甲二市科技活动周工作方案"
    assert section(lines, "四、重点活动") == [f"截至目前，{YEAR}年我市科技活动周尚无审核通过的活动。"]
    assert not any(line.startswith("（") for line in lines)
    assert not any("0项" in line or "0场次" in line or "0所" in line for line in lines)
    assert "活动形式" not in "".join(lines[:2]) and plan.key_lists == []
    # No deadline of its own: the province's binds its units, sent (no lead department) on the platform.
    assert "请于2091年9月15日前" in plan.requirements[0] and "通过本平台报送" in plan.requirements[0]


def test_a_region_with_only_open_days_or_only_cities(tree):
    city_plan = workplan.plan_outline(tree["campaign"], tree["city"])
    assert city_plan.counts_sentence == (f"根据各地各部门组织情况，{YEAR}年我市科技活动周将开展2项活动，其中市级有关部门开展"
                                         "科普活动1项；各县有关单位推荐科普活动1项。其中重点活动安排如下：")
    assert [kl.heading for kl in city_plan.key_lists] == ["市级重点科普活动"]


def test_another_years_national_list(tree):
    plan = workplan.plan_outline(tree["campaign"], tree["root"])
    lines = paragraphs(workplan.docx_bytes(plan))
    assert lines[0] == f"{YEAR}年全国科技活动周重点项目清单"
    assert [block.name for block in plan.regions] == ["甲省"]
    assert section(lines, "（一）甲省")[0] == "共开展活动5项，其中列入方案的重点活动3项。"
    assert not any(re.match(r"^[一二三四五六七八九十]+、(重大示范活动|主场活动)$", line) for line in lines)  # none
    assert lines[1] == f"根据{YEAR}年全国科技活动周的总体安排，现将{YEAR}年全国科技活动周各地各部门重点活动汇总如下。"
    assert "河北省" not in "\n".join(lines)


def test_every_campaign_and_level_writes(demo, tree, org):
    levels = [tree["root"], org("河北省"), org("石家庄市"), org("北京市"), tree["province"], tree["county"]]
    for campaign in Campaign.objects.all():
        for level in levels:
            plan = workplan.plan_outline(campaign, level)
            lines = paragraphs(workplan.docx_bytes(plan))
            assert lines[0] == plan.title and str(campaign.year) in plan.title
            assert all("None" not in line for line in lines)


def test_chinese_numbers_and_date_ranges():
    assert [workplan.chinese_number(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十", "二十三"]
    assert workplan.date_range_text(date(2020, 8, 23), date(2020, 8, 29)) == "2020年8月23日—29日"
    assert workplan.date_range_text(date(2020, 12, 30), date(2021, 1, 2)) == "2020年12月30日—2021年1月2日"
    assert workplan.date_range_text(date(2020, 8, 23), date(2020, 8, 23)) == "2020年8月23日"
    assert workplan.short_region_name("广西壮族自治区") == "广西"


# --- the command ------------------------------------------------------------------------------

def test_the_command_writes_hebeis_plan(demo, org, tmp_path):
    out = tmp_path / "hebei.docx"
    stdout = io.StringIO()
    call_command("work_plan", "2020", region="河北", out=str(out), stdout=stdout)
    assert "2020年河北省科技活动周工作方案" in stdout.getvalue()
    text = "\n".join(paragraphs(str(out)))
    assert "将开展629项活动，其中省级有关部门开展科普活动110项" in text
    by_id = tmp_path / "by-id.docx"
    call_command("work_plan", "2020", region=str(org("河北省").pk), out=str(by_id), stdout=io.StringIO())
    assert paragraphs(str(by_id)) == paragraphs(str(out))
    call_command("work_plan", "2020", region="兵团", out=str(tmp_path), stdout=io.StringIO())  # a short name, a dir
    assert (tmp_path / "2020年新疆生产建设兵团科技活动周工作方案.docx").exists()


def test_the_command_without_a_region_writes_the_national_list(demo, tmp_path):
    out = tmp_path / "national.docx"
    call_command("work_plan", "2020", out=str(out), stdout=io.StringIO())
    assert paragraphs(str(out))[0] == "2020年全国科技活动周重点项目清单"


@pytest.mark.parametrize(("year", "region", "out", "message"), [
    ("1999", "河北省", "x.docx", "没有1999年的科技活动周。"),
    ("2020", "不存在的地方", "x.docx", "没有名为“不存在的地方”的地区。"),
    ("2020", "999999999", "x.docx", "没有编号为 999999999 的地区。"),
    ("2020", "省科技厅", "x.docx", "“省科技厅”不是地区，工作方案只能按组委会或地区生成。"),
    ("2020", "河北省", "no-such-dir/x.docx", "目录"),
])
def test_the_commands_errors(demo, tmp_path, year, region, out, message):
    with pytest.raises(CommandError) as error:
        call_command("work_plan", year, region=region, out=str(tmp_path / out), stdout=io.StringIO())
    assert message in str(error.value)


def test_an_ambiguous_name_asks_for_the_id(tree, tmp_path):
    twin = Organization.objects.add_child(tree["empty"], {"name": "甲一县", "kind": "region"})
    with pytest.raises(CommandError) as error:
        call_command("work_plan", str(YEAR), region="甲一县", out=str(tmp_path / "x.docx"), stdout=io.StringIO())
    message = str(error.value)
    assert "“甲一县”对应多个地区，请改用编号" in message
    assert f"{tree['county'].pk} 甲省 甲一市 甲一县" in message and f"{twin.pk} 甲省 甲二市 甲一县" in message


# --- the download -------------------------------------------------------------------------------

def url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("work_plan_test") + (f"?{query}" if query else "")


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("username", ["hebei-statistician", "hebei-admin", "hebei-reviewer", "national-statistician"])
def test_the_download_for_those_who_may_see_hebeis_statistics(staff_client, org, username):
    client = staff_client(username)
    hebei = org("河北省")
    response = client.get(url(year=2020, org=hebei.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == workplan_docx_type()
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('2020年河北省科技活动周工作方案.docx')}" in disposition
    lines = paragraphs(b"".join(response.streaming_content))
    assert lines[0] == "2020年河北省科技活动周工作方案"
    event = AuditEvent.objects.filter(action="statistics.work_plan_downloaded").latest("id")
    assert event.organization_id == hebei.pk and event.actor.username == username
    assert event.summary == "2020年河北省科技活动周工作方案"


def workplan_docx_type() -> str:
    from sciweek.statistics.workplan_views import DOCX

    return DOCX


@pytest.mark.urls(__name__)
def test_the_download_defaults_to_the_users_level(staff_client):
    client = staff_client("hebei-statistician")
    response = client.get(url(year=2020))
    assert response.status_code == 200
    assert paragraphs(b"".join(response.streaming_content))[0] == "2020年河北省科技活动周工作方案"


@pytest.mark.urls(__name__)
def test_the_download_is_refused_outside_and_without_the_role(staff_client, org):
    hebei, shanxi = org("河北省"), org("山西省")
    assert staff_client("hebei-statistician").get(url(year=2020, org=shanxi.pk)).status_code == 404
    assert staff_client("sjz-statistician").get(url(year=2020, org=hebei.pk)).status_code == 404
    assert staff_client("sjz-statistician").get(url(year=2020, org=org("石家庄市").pk)).status_code == 200
    assert staff_client("hebei-filer").get(url(year=2020, org=hebei.pk)).status_code == 403
    assert staff_client("hebei-filer").get(url(year=2020)).status_code == 403
    assert staff_client("hebei-statistician").get(url(year=2020, org=org("河北省科学技术厅").pk)).status_code == 404
    assert staff_client("hebei-statistician").get(url(year=1999, org=hebei.pk)).status_code == 404
    recorded = AuditEvent.objects.filter(action="statistics.work_plan_downloaded")
    assert [event.organization.name for event in recorded] == ["石家庄市"]  # the one download that was allowed


@pytest.mark.urls(__name__)
def test_the_download_needs_a_signed_in_staff_member(client, org):
    response = client.get(url(year=2020, org=org("河北省").pk))
    assert response.status_code == 302
    user = User.objects.create(username="no-membership")
    client.force_login(user)
    assert client.get(url(year=2020, org=org("河北省").pk)).status_code == 403


@pytest.mark.urls(__name__)
def test_the_download_of_a_level_with_nothing_filed(tree, client):
    from sciweek.conftest import sign_in

    user = User.objects.create(username="jia-statistician")
    Membership.objects.create(user=user, organization=tree["province"], role=Role.STATISTICIAN)
    sign_in(client, user.username)
    response = client.get(url(year=YEAR, org=tree["empty"].pk))
    assert response.status_code == 200
    lines = paragraphs(b"".join(response.streaming_content))
    assert f"截至目前，{YEAR}年我市科技活动周尚无审核通过的活动。" in lines
