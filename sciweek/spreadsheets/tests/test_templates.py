"""Templates: the official columns in order, frozen header, widths, instructions, drop-downs."""
from io import BytesIO

import openpyxl
import pytest

from sciweek.spreadsheets.columns import OPEN_DAY_COLUMNS, PROJECT_COLUMNS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign

PROJECT_HEADERS = [
    "序号", "项目名称", "填报单位", "级别", "是否重大示范活动", "所属重大示范活动", "列入工作方案重点活动", "方案序号",
    "主办单位", "承办单位", "主管部门", "内容方向", "举办形式", "开始日期", "结束日期", "场次", "每场名额", "举办地",
    "详细地址", "场馆额定容量", "面向对象", "预计参与人数", "经费预算（万元）", "活动内容", "活动形式", "宣传方式",
    "直播链接", "网络展厅链接", "视频链接", "微信公众号", "小程序路径", "最大同时在场人数", "安全和疫情防控措施",
    "安全责任人", "项目负责人", "联系人", "联系电话", "联系邮箱",
]


def validations_by_header(sheet):
    headers = {openpyxl.utils.get_column_letter(c.column): c.value for c in sheet[1]}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for area in str(validation.sqref).split():
            found[headers[area.split(":")[0].rstrip("0123456789")]] = validation
    return found


def test_project_template_has_the_official_columns_and_drop_downs(staff_client, excel):
    client = staff_client("sjz-filer")
    workbook = openpyxl.load_workbook(BytesIO(excel.template(client)))
    assert workbook.sheetnames == ["重点项目备案表", "填写说明", "选项"]
    assert workbook.properties.subject == "sciweek:project"
    sheet = workbook["重点项目备案表"]
    assert [c.value for c in sheet[1]] == PROJECT_HEADERS == [str(c.header) for c in PROJECT_COLUMNS]
    assert sheet.freeze_panes == "C2"  # header row and 序号/项目名称 stay visible
    assert sheet.column_dimensions["B"].width == 32 and sheet.column_dimensions["I"].width == 30
    assert sheet["B1"].font.bold and sheet["B1"].fill.fgColor.rgb.endswith("0B4F9C")  # required column
    assert "必填" in sheet["B1"].comment.text

    validations = validations_by_header(sheet)
    assert validations["级别"].type == "list" and validations["级别"].formula1 == '"全国重大示范活动,省级,市级,单位"'
    assert validations["举办形式"].formula1 == '"线上,线下,线上线下结合"'
    assert validations["是否重大示范活动"].formula1 == '"是,否"'
    assert validations["列入工作方案重点活动"].formula1 == '"是,否"'
    assert validations["内容方向"].formula1 == "sw_areas" and validations["内容方向"].errorStyle == "warning"
    assert validations["所属重大示范活动"].formula1 == "sw_flagships"
    assert validations["举办地"].formula1 == "sw_divisions"
    assert validations["开始日期"].type == "date" and validations["每场名额"].type == "whole"
    assert str(validations["级别"].sqref) == "D2:D20001"

    lists = workbook["选项"]
    assert lists.sheet_state == "hidden"
    names = workbook.defined_names

    def values(name):
        sheet_name, ref = names[name].attr_text.split("!")
        assert sheet_name == "'选项'"
        return [c.value for row in lists[ref.replace("$", "")] for c in row]

    assert values("sw_areas") == ["展示科技战疫成效", "展示科技创新成就", "体验美好生活", "科技助力脱贫攻坚",
                                  "科学防控", "科普行动", "科技扶贫", "科创惠民"]  # national + Hebei's focus
    assert values("sw_flagships")[:2] == ["科学之夜活动", "科研机构和大学开放"] and len(values("sw_flagships")) == 14
    divisions = values("sw_divisions")
    assert "130102 长安区" in divisions and all(d.startswith("13") for d in divisions)  # Hebei only
    assert "石家庄市科技信息研究所" in values("sw_organizations") and "保定市" not in values("sw_organizations")

    instructions = workbook["填写说明"]
    text = "\n".join(str(c.value) for row in instructions.iter_rows() for c in row if c.value)
    assert "《重点项目备案表》填写说明" in text and "填报单位：石家庄市" in text
    assert all(header in text for header in PROJECT_HEADERS)


def test_open_day_template(staff_client, excel):
    client = staff_client("hebei-filer")
    workbook = openpyxl.load_workbook(BytesIO(excel.template(client, "河北省", "open_day")))
    sheet = workbook["参与开放活动的科研机构和大学备案表"]
    assert [c.value for c in sheet[1]] == [str(c.header) for c in OPEN_DAY_COLUMNS]
    assert [c.value for c in sheet[1]][:8] == ["序号", "开放单位", "活动名称", "是否重大示范活动", "所属重大示范活动",
                                               "内容方向", "开放的设施", "开放内容"]
    validations = validations_by_header(sheet)
    assert validations["开放单位"].formula1 == "sw_organizations"
    assert validations["举办形式"].formula1 == '"线上,线下,线上线下结合"'


def test_template_needs_the_filing_role(staff_client, org):
    client = staff_client("sjz-statistician")
    response = client.get(f"/console/excel/organizations/{org('石家庄市').pk}/template/project.xlsx")
    assert response.status_code == 403
    client = staff_client("sjz-filer")
    assert client.get(f"/console/excel/organizations/{org('石家庄市').pk}/template/other.xlsx").status_code == 404
