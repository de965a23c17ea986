"""The question template and the Excel import: drop-downs and instructions in the template; a
filled template round-trips (good rows created, bad rows reported by row and column, nothing of
a bad row saved); files that are not a plain .xlsx are refused with a clear message."""
import zipfile
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sciweek.accounts.models import AuditEvent
from sciweek.quiz import excel
from sciweek.quiz.models import Question

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_template(client) -> openpyxl.Workbook:
    response = client.get(reverse("quiz:question_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "private, no-store"
    return openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))


def upload(client, workbook, *, org, submit="0", check=False, name="题目.xlsx"):
    buffer = BytesIO()
    workbook.save(buffer)
    data = {"organization": str(org.pk), "submit": submit,
            "file": SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)}
    if check:
        data["check"] = "1"
    return client.post(reverse("quiz:question_import"), data)


def test_template_has_dropdowns_instructions_and_examples(staff_client, demo):
    workbook = download_template(staff_client("hebei-filer"))
    assert workbook.sheetnames == ["题目", "示例", "填写说明", "选项列表"]
    sheet = workbook["题目"]
    header = [c.value for c in sheet[1]]
    assert header == ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "正确答案", "解析", "难度",
                      "内容领域", "适用对象"]
    assert sheet.max_row == 1  # nothing to delete before filling in
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in sheet.data_validations.dataValidation
             if dv.type == "list"}
    assert lists["A"] == '"判断题,单选题,多选题"' and lists["K"] == '"容易,中等,较难"'
    assert lists["L"] == "sw_topics" and lists["M"] == "sw_audiences"
    topics = workbook.defined_names["sw_topics"].attr_text
    assert topics.startswith("'选项列表'!$A$2:$A$")
    listed = [row[0] for row in workbook["选项列表"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert listed and all(isinstance(t, str) for t in listed)
    assert workbook["选项列表"].sheet_state == "hidden"
    examples = list(workbook["示例"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in examples] == ["判断题", "单选题", "多选题"] and examples[2][8] == "ABC"
    notes = " ".join(str(row[0]) for row in workbook["填写说明"].iter_rows(values_only=True) if row[0])
    assert "判断题不填选项" in notes and "有误的行不导入" in notes


GOOD = [
    ["判断题", "地球绕太阳公转一周约为一年。", None, None, None, None, None, None, "正确", "地球公转周期约 365 天。", "容易",
     "体验美好生活", "小学生"],
    ["判断题", "月亮自己会发光。", None, None, None, None, None, None, "错误", "月光是反射的太阳光。", "", "", ""],
    ["单选题", "我国第一颗人造地球卫星叫什么？", "东方红一号", "天宫一号", "神舟五号", "嫦娥一号", None, None, "A", "", "中等",
     "展示科技创新成就", "中学生、社会公众"],
    ["多选题", "下列属于可再生能源的是？", "太阳能", "风能", "煤炭", "石油", None, None, "A,B", "", "较难", "", ""],
    ["单选", "水的化学式是？", "H2O", "CO2", None, None, None, None, "ａ", "", "", "", ""],  # short kind, full-width letter
]
BAD = {  # row content -> (column, message fragment)
    "two keys": (["单选题", "两个答案的单选题？", "甲", "乙", "丙", None, None, None, "AB", "", "", "", ""],
                 "正确答案", "单选题只能有一个正确答案。"),
    "one key": (["多选题", "一个答案的多选题？", "甲", "乙", "丙", None, None, None, "A", "", "", "", ""],
                "正确答案", "多选题至少要有两个正确答案。"),
    "no stem": (["单选题", None, "甲", "乙", None, None, None, None, "A", "", "", "", ""], "题干", "请填写题干。"),
    "bad kind": (["填空题", "这是什么题？", "甲", "乙", None, None, None, None, "A", "", "", "", ""], "题型", "不是可选的题型"),
    "gap": (["单选题", "跳过了选项B？", "甲", None, "丙", None, None, None, "C", "", "", "", ""], "选项B", "选项须从 A 起依次填写"),
}


def test_thirty_rows_round_trip_with_five_bad_ones(staff_client, org):
    client = staff_client("hebei-filer")
    hebei = org("河北省")
    workbook = download_template(client)
    sheet = workbook["题目"]
    rows, bad_at = [], {}
    for i in range(25):
        row = list(GOOD[i % len(GOOD)])
        row[1] = f"第{i}题：{row[1]}"
        rows.append(row)
    for offset, (_name, (row, _column, _message)) in enumerate(BAD.items()):
        position = 3 + offset * 5  # spread among the good rows
        rows.insert(position, list(row))
    for number, row in enumerate(rows, start=2):
        for name, (bad_row, _column, _message) in BAD.items():
            if row == bad_row:
                bad_at[name] = number
        sheet.append(row)
    assert len(rows) == 30 and len(bad_at) == 5
    before = Question.objects.count()
    response = upload(client, workbook, org=hebei)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.rows == 30 and result.created == 25 and result.bad_rows == 5 and result.saved
    assert Question.objects.count() == before + 25
    created = Question.objects.filter(organization=hebei, source_key__startswith="excel:")
    assert created.count() == 25 and set(created.values_list("status", flat=True)) == {Question.Status.DRAFT}
    assert set(created.values_list("created_by__username", flat=True)) == {"hebei-filer"}
    issues = {(issue.row, issue.header): issue.message for issue in result.issues}
    for name, (_row, column, message) in BAD.items():
        assert any(row == bad_at[name] and header == column and message in text
                   for (row, header), text in issues.items()), (name, bad_at[name], issues)
    assert {row for row, _header in issues} == set(bad_at.values())
    page = response.content.decode()
    for number in bad_at.values():
        assert f"<tr><td>{number}</td>" in page
    # what was read is what was written
    water = created.get(stem__startswith="第4题：")
    assert water.kind == "single" and [(o.text, o.is_correct) for o in water.options.all()] == [
        ("H2O", True), ("CO2", False)]
    tf = created.get(stem__startswith="第1题：")
    assert tf.kind == "true_false" and [(o.text, o.is_correct) for o in tf.options.all()] == [
        ("正确", False), ("错误", True)]
    multi = created.get(stem__startswith="第3题：")
    assert multi.difficulty == 3 and [o.is_correct for o in multi.options.all()] == [True, True, False, False]
    first = created.get(stem__startswith="第0题：")
    assert first.topic == "体验美好生活" and first.audiences == ["primary"] and first.difficulty == 1
    assert created.get(stem__startswith="第2题：").audiences == ["secondary", "public"]
    event = AuditEvent.objects.get(action="quiz.questions_imported")
    assert event.organization == hebei and event.detail["created"] == 25 and event.detail["bad_rows"] == 5


def test_check_only_saves_nothing_and_submit_sends_to_review(staff_client, org):
    client = staff_client("hebei-publicity")
    hebei = org("河北省")
    workbook = download_template(client)
    for row in GOOD:
        workbook["题目"].append(row)
    before = Question.objects.count()
    response = upload(client, workbook, org=hebei, check=True)
    assert response.context["result"].saved is False and Question.objects.count() == before
    assert "检查结果（没有保存）" in response.content.decode()
    assert not AuditEvent.objects.filter(action="quiz.questions_imported").exists()
    response = upload(client, workbook, org=hebei, submit="1")
    assert response.context["result"].created == 5
    assert set(Question.objects.filter(source_key__startswith="excel:").values_list("status", flat=True)) == {
        Question.Status.SUBMITTED}


def test_the_example_sheet_is_never_imported(staff_client, org):
    client = staff_client("hebei-filer")
    response = upload(client, download_template(client), org=org("河北省"))
    assert response.status_code == 400 and "表格里没有题目" in response.content.decode()


def test_headers_found_under_a_title_row_and_in_any_order(staff_client, org):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "我的题"
    sheet.append(["2020 年科普答题题库"])
    sheet.append(["正确答案", "题干", "题型", "选项A", "选项B", "备注"])
    sheet.append(["B", "哪个是哺乳动物？", "单选题", "鲨鱼", "海豚", "自己的备注"])
    response = upload(staff_client("hebei-filer"), workbook, org=org("河北省"))
    result = response.context["result"]
    assert result.created == 1 and [n.header for n in result.notes] == ["备注"]
    question = Question.objects.get(stem="哪个是哺乳动物？")
    assert [(o.text, o.is_correct) for o in question.options.all()] == [("鲨鱼", False), ("海豚", True)]


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"kind,stem\n", "题目.csv", "这不是 Excel 文件（.xlsx）"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "题目.xls", "旧版 Excel（.xls）"),
    (b"PK\x03\x04broken", "题目.xlsx", "文件已损坏"),
    (b"", "题目.xlsx", "文件是空的"),
])
def test_files_that_are_not_plain_xlsx_are_refused(content, name, message, staff_client, org):
    before = Question.objects.count()
    response = staff_client("hebei-filer").post(reverse("quiz:question_import"), {
        "organization": str(org("河北省").pk), "submit": "0", "file": SimpleUploadedFile(name, content)})
    page = response.content.decode()
    assert response.status_code == 400 and message in page and 'role="alert"' in page
    assert Question.objects.count() == before


def test_a_word_file_and_a_sheet_without_the_columns_are_refused(staff_client, org):
    client = staff_client("hebei-filer")
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    response = client.post(reverse("quiz:question_import"), {
        "organization": str(org("河北省").pk), "submit": "0",
        "file": SimpleUploadedFile("题目.xlsx", buffer.getvalue())})
    assert response.status_code == 400 and "Word、WPS 文字或压缩包不能导入" in response.content.decode()
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "电话"])
    response = upload(client, workbook, org=org("河北省"))
    assert response.status_code == 400 and "没有找到「题型」「题干」「正确答案」这几列" in response.content.decode()


def test_import_into_a_bank_outside_the_users_tree_is_refused(staff_client, org):
    client = staff_client("sjz-filer")
    workbook = openpyxl.Workbook()
    workbook.active.append(["题型", "题干", "选项A", "选项B", "正确答案"])
    workbook.active.append(["单选题", "越权导入？", "甲", "乙", "A"])
    response = upload(client, workbook, org=org("河北省"))
    assert response.status_code == 400  # not one of the form's choices
    assert not Question.objects.filter(stem="越权导入？").exists()
    with pytest.raises(Exception) as refused:
        buffer = BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        from .test_console_helpers import user

        excel.import_questions(buffer, actor=user("sjz-filer"), organization=org("河北省"), submit=False)
    assert refused.type.__name__ == "Http404"
    assert not Question.objects.filter(stem="越权导入？").exists()
