"""The exports read back (the .xlsx and the .docx hold what the console page shows), the
certificates (a PDF per awardee with its verification address; a zip of all), and the public
side: only a list on notice or final is shown, on its page and on the region page."""
import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse
from docx import Document
from freezegun import freeze_time
from openpyxl import load_workbook

from sciweek.commendations import certificates, exports, services
from sciweek.commendations.models import Candidate, CommendationCategory, Kind

from .conftest import YEAR, at, sign_in
from .test_flow import on_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def final(tree, drafted):
    admin = tree["p_admin"]
    cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
    services.remove_candidate(admin, Candidate.objects.get(category=cities, position=3), reason="并列，取总结质量高者")
    individuals = CommendationCategory.objects.get(commendation=drafted, kind=Kind.INDIVIDUAL)
    services.add_individual(admin, individuals, name="演示人员一", organization=tree["unit"], role="馆长")
    services.add_individual(admin, individuals, name="演示人员二", organization=tree["departments"][0])
    commendation = on_notice(tree, drafted)
    return services.finalize(admin, commendation, now=at(10, 20))


def test_xlsx_reads_back_as_the_page_shows(client, tree, final):
    sign_in(client, tree["p_reviewer"])
    page = client.get(reverse("commendations:detail", args=[final.pk]))
    assert page.status_code == 200
    response = client.get(reverse("commendations:export_xlsx", args=[final.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == final.title
    assert values[1] == ["序号", "单位名称/姓名", "所在单位", "类别", "所属地区"]
    body = values[2:]
    assert [r[1] for r in body] == ["甲一市", "甲二市", "甲省一厅", "甲省二厅", "演示人员一", "演示人员二"]
    assert body[0][4] == "甲一市" and body[2][4] == "甲省" and body[4][4] == "甲一市"
    assert body[4][2] == "甲一市科技馆（馆长）"
    html = page.content.decode()
    for row in body:
        assert str(row[1]) in html
    assert [r[:5] for r in exports.rows(final)] == [[c if c is not None else "" for c in r] for r in body]


def test_docx_has_title_decision_and_lists(client, tree, final):
    sign_in(client, tree["p_admin"])
    response = client.get(reverse("commendations:export_docx", args=[final.pk]))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == final.title
    assert texts[1].startswith(f"为表彰{YEAR}年度甲省科技活动周优秀组织单位和人员")
    assert "一、优秀组织单位（下级地区）" in texts and "三、优秀个人" in texts
    assert "1. 甲一市" in texts and "1. 演示人员一（甲一市科技馆馆长）" in texts
    assert "甲三市" not in "".join(texts)  # removed with a reason
    run = document.paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"


def test_certificate_pdf_per_awardee_and_zip(client, tree, final):
    sign_in(client, tree["p_admin"])
    person = Candidate.objects.get(commendation=final, person_name="演示人员一")
    response = client.get(reverse("commendations:certificate", args=[person.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert person.certificate_code.encode() in response.content  # the keywords carry the code
    verify = client.get(certificates.verification_path(person))
    assert verify.status_code == 200 and "证书有效" in verify.content.decode()
    assert "演示人员一" in verify.content.decode()
    response = client.get(reverse("commendations:certificates_zip", args=[final.pk]))
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == 6 and all(n.endswith(".pdf") for n in names)
    removed = Candidate.objects.get(commendation=final, removed=True)
    assert "证书无效" in client.get(certificates.verification_path(removed)).content.decode()
    assert "证书无效" in client.get(reverse("commendations:certificate_verify", args=["nope"])).content.decode()


def test_certificates_lapse_when_withdrawn(client, tree, final):
    person = Candidate.objects.get(commendation=final, person_name="演示人员一")
    services.withdraw(tree["p_admin"], final, reason="发现问题")
    assert certificates.verify(person.certificate_code) is None


def test_public_pages_show_only_notice_and_final(client, tree, drafted):
    region_url = reverse("portal:region", args=[YEAR, tree["p"].pk])
    public_url = reverse("commendations:public", args=[YEAR, drafted.pk])
    for _step in ("draft", "proposed", "approved"):
        assert client.get(public_url).status_code == 404
        region = client.get(region_url)
        assert drafted.title not in region.content.decode()
        if _step == "draft":
            cities = CommendationCategory.objects.get(commendation=drafted, peer_group="cities")
            services.update_category(tree["p_admin"], cities, quota=2, over_quota_reason="并列")
            services.propose(tree["p_admin"], drafted)
        elif _step == "proposed":
            services.approve(tree["p_admin"], drafted)
    services.start_notice(tree["p_admin"], drafted, days=7, contact="甲省科技厅办公室", starts_on=date(YEAR, 10, 12),
                          now=at(10, 11))
    with freeze_time(at(10, 13)):
        page = client.get(public_url).content.decode()
        assert "表彰名单公示" in page and "甲省科技厅办公室" in page and 'id="objection_text"' in page
        region = client.get(region_url).content.decode()
        assert drafted.title in region and "甲一市" in region and "查看公示并提出异议" in region
    with freeze_time(at(10, 20)):
        services.finalize(tree["p_admin"], drafted)
        page = client.get(public_url).content.decode()
        assert drafted.decision_text[:20] in page and 'id="objection_text"' not in page
        assert "查看表彰决定" in client.get(region_url).content.decode()
    services.withdraw(tree["p_admin"], drafted, reason="撤销")
    assert client.get(public_url).status_code == 404
    assert drafted.title not in client.get(region_url).content.decode()
    # Another year's address does not find it either.
    assert client.get(reverse("commendations:public", args=[YEAR - 1, drafted.pk])).status_code == 404
