"""Award certificates: a reportlab PDF naming the contest, the prize, the entry and its code,
with the verification address (and its QR); the public verification page, valid and not (an
unknown code, an entry disqualified since); the download from the prize list."""
import pytest
from django.urls import reverse

from sciweek.contests import certificates, services
from sciweek.contests.models import Award
from sciweek.quiz.tests.test_certificates import pdf_text  # the PDF reader (CID strings, ASCII85 + zlib)

from .test_public_pages import EN, final, url

pytestmark = pytest.mark.django_db

SITE = "https://kepu.example.cn"


@pytest.fixture
def awards(kit, settings):
    settings.SITE_URL = SITE
    final(kit)
    return list(Award.objects.filter(contest=kit.contest).select_related(
        "contest__campaign", "contest__organization", "entry__organization", "entry__category", "tier")
        .order_by("rank"))


def test_the_pdf_names_the_award_and_carries_its_code(awards):
    award = awards[0]
    data = certificates.pdf(award)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert f"/Keywords ({award.certificate_code})".encode() in data  # in the document's info, plain
    text = pdf_text(data)
    assert "获奖证书" in text and "测试科普讲解大赛" in text and award.tier.name in text
    assert award.entry.title in text and award.entry.first_author in text
    assert f"证书编号：{award.certificate_code}" in text
    assert f"{SITE}/contests/certificates/{award.certificate_code}/" in text


def test_the_prize_list_links_each_certificate_for_download(kit, awards, client):
    page = client.get(url(kit, "results")).content.decode()
    for award in awards:
        assert certificates.download_path(award) in page
    response = client.get(certificates.download_path(awards[0]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and "attachment" in response["Content-Disposition"]
    assert client.get(url(kit, "certificate_pdf", "no-such-code")).status_code == 404


def test_the_verification_page_shows_the_award(awards, client, django_assert_max_num_queries):
    award = awards[0]
    path = reverse("contests:certificate_verify", args=[award.certificate_code])
    assert path == f"/contests/certificates/{award.certificate_code}/"
    with django_assert_max_num_queries(4):  # the award with its contest, entry and tier; the shell's campaign; the nav's year links (cold cache)
        page = client.get(path)
    text = page.content.decode()
    assert page.status_code == 200 and "证书有效" in text
    assert award.tier.name in text and award.entry.title in text and "测试科普讲解大赛" in text
    english = client.get(path, **EN).content.decode()
    assert "valid" in english.lower() and '<span lang="zh-CN">' in english


def test_unknown_codes_and_disqualified_entries_do_not_verify(kit, awards, client):
    assert client.get(reverse("contests:certificate_verify", args=["x" * 16])).status_code == 404
    assert client.get(reverse("contests:certificate_verify", args=["x" * 200])).status_code == 404
    award = awards[0]
    services.disqualify_entry(award.entry, actor=kit.admin, reason="异议成立：非原创")
    page = client.get(reverse("contests:certificate_verify", args=[award.certificate_code]))
    assert page.status_code == 404 and "证书无效" in page.content.decode()
    assert client.get(certificates.download_path(award)).status_code == 404
    award.refresh_from_db()
    with pytest.raises(ValueError):
        certificates.pdf(Award.objects.select_related("contest", "entry").get(pk=award.pk))
