"""Pictures and video of a news item through the console form: every refusal (not an image,
too large, a decompression bomb, a video too long for the campaign, one lying about its
length) is named with the file, and nothing typed or already uploaded is lost; the public
pages and the API show what is published."""
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from sciweek.media.models import MediaAsset
from sciweek.media.tests.conftest import claim_duration, make_video, png_claiming
from sciweek.news import services
from sciweek.news.models import MAX_IMAGES, NewsDue, NewsImage, NewsItem

from .conftest import jpeg, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(approved):
    activity = approved()
    return activity, NewsDue.objects.get(activity=activity).clock_starts_at + timedelta(hours=3)


@pytest.fixture
def publicity(staff_client):
    return staff_client("unit-publicity")


def form(activity, unit, **extra):
    return {"organization": unit.pk, "activity": activity.pk, "title": "实验室开放日", "body": "两百名中学生参观实验室。",
            "action": "submit", **extra}


def post(client, data, now):
    with freeze_time(now):
        return client.post(reverse("news:console"), data)


def kept_ids(response) -> list[int]:
    return [row["asset"].pk for row in response.context["kept_images"]]


def test_a_non_image_is_refused_with_a_message_and_the_typed_text_is_kept(held, unit, publicity):
    activity, now = held
    fake = SimpleUploadedFile("现场.jpg", b"<html><body>not a picture</body></html>", content_type="image/jpeg")
    response = post(publicity, form(activity, unit, images=[fake]), now)
    assert response.status_code == 200
    page = response.content.decode()
    assert "“现场.jpg”没有上传" in page
    bound = response.context["form"]
    assert bound["title"].value() == "实验室开放日" and bound["body"].value() == "两百名中学生参观实验室。"
    assert bound.errors["images"]
    assert not NewsItem.objects.filter(title="实验室开放日").exists()


def test_too_large_and_bombs_are_refused_each_by_name(held, unit, publicity):
    activity, now = held
    huge = SimpleUploadedFile("大图.jpg", b"\xff\xd8\xff" + bytes(10 * 1024 * 1024), content_type="image/jpeg")
    bomb = SimpleUploadedFile("炸弹.png", png_claiming(40000, 40000), content_type="image/png")
    good = jpeg("好图.jpg")
    response = post(publicity, form(activity, unit, images=[huge, bomb, good]), now)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["images"])
    assert "“大图.jpg”没有上传" in errors and "超过上限" in errors
    assert "“炸弹.png”没有上传" in errors
    assert "好图.jpg" not in errors
    # The good one went through and comes back as a hidden field: resubmitting keeps it.
    (kept,) = kept_ids(response)
    assert f'name="image" value="{kept}"' in response.content.decode()
    again = post(publicity, form(activity, unit, image=[kept], **{f"caption_{kept}": "学生在做实验"}), now)
    assert again.status_code == 302
    item = NewsItem.objects.get(title="实验室开放日")
    assert [(i.asset_id, i.caption) for i in item.images.all()] == [(kept, "学生在做实验")]


def test_pictures_survive_an_error_elsewhere(held, unit, publicity):
    activity, now = held
    response = post(publicity, form(activity, unit, title="", images=[jpeg("一.jpg"), jpeg("二.jpg", color=(9, 9, 9))]),
                    now)
    assert response.status_code == 200 and response.context["form"].errors["title"]
    ids = kept_ids(response)
    assert len(ids) == 2
    assert MediaAsset.objects.filter(pk__in=ids, purpose="news.image", uploaded_by__username="unit-publicity").count() == 2
    fixed = post(publicity, form(activity, unit, image=ids, remove_image=[ids[1]]), now)
    assert fixed.status_code == 302
    assert list(NewsItem.objects.get(title="实验室开放日").images.values_list("asset_id", flat=True)) == [ids[0]]


def test_upload_first_then_caption_then_submit(held, unit, publicity):
    activity, now = held
    response = post(publicity, form(activity, unit, action="upload", images=[jpeg()]), now)
    assert response.status_code == 200 and not NewsItem.objects.filter(title="实验室开放日").exists()
    (kept,) = kept_ids(response)
    assert f'name="caption_{kept}"' in response.content.decode()


def test_someone_elses_picture_cannot_be_smuggled_in(held, unit, publicity):
    activity, now = held
    assets, _ = services.intake_images([jpeg()], actor=user("sjz-publicity"))
    response = post(publicity, form(activity, unit, image=[assets[0].pk]), now)
    assert response.status_code == 302
    assert not NewsItem.objects.get(title="实验室开放日").images.exists()
    with pytest.raises(Exception) as refused:
        services.submit(actor=user("unit-publicity"), organization=unit, campaign=activity.campaign, title="t",
                        body="b", images=[(assets[0], "")])
    assert "请在本页上传" in str(refused.value)


def test_at_most_nine_pictures(held, unit):
    activity, now = held
    files = [jpeg(f"{n}.jpg", color=(n, n, n)) for n in range(MAX_IMAGES + 1)]
    assets, refused = services.intake_images(files, actor=user("unit-publicity"))
    assert len(assets) == MAX_IMAGES and len(refused) == 1 and "最多 9 张" in refused[0]


@pytest.fixture
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("news-videos")
    made = {"short": make_video(folder / "short.mp4", 3), "long": make_video(folder / "long.mp4", 5)}
    lie = folder / "lie.mp4"
    lie.write_bytes(claim_duration(made["long"].read_bytes(), 1))
    made["lie"] = lie
    return made


def chunked_upload(client, path: Path) -> dict:
    """The upload widget's steps: start, one chunk, finish."""
    data = path.read_bytes()
    started = client.post(reverse("media:upload_start"), {"purpose": "news.video", "filename": path.name,
                                                          "size": len(data)}, content_type="application/json")
    assert started.status_code == 201, started.content
    urls = started.json()["urls"]
    assert client.generic("PUT", f"{urls['chunk']}?offset=0", data,
                          content_type="application/octet-stream").status_code == 200
    return client.post(urls["finish"]).json()


def test_a_video_through_the_chunked_widget_then_public_with_the_item(held, unit, publicity, videos, settings):
    settings.MEDIA_CHUNK_BYTES = 8 * 1024 * 1024
    activity, now = held
    finished = chunked_upload(publicity, videos["short"])
    asset_id = finished["asset"]
    # An error elsewhere keeps the video (the widget's hidden id comes back filled).
    response = post(publicity, form(activity, unit, title="", video=str(asset_id)), now)
    assert response.status_code == 200 and response.context["kept_video"]["asset"].pk == asset_id
    assert f'name="video" value="{asset_id}"' in response.content.decode()
    assert post(publicity, form(activity, unit, video=str(asset_id), images=[jpeg()]), now).status_code == 302
    item = NewsItem.objects.get(title="实验室开放日")
    assert item.video_id == asset_id and item.status == "published"
    page = Client().get(reverse("news:detail", args=[2020, item.pk])).content.decode()
    assert f'src="/media/{asset_id}/file"' in page and "<video" in page
    image = item.images.get()
    assert f'href="/media/{image.asset_id}/file"' in page
    data = Client().get("/api/v1/campaigns/2020/news", {"page_size": 50}).json()
    row = next(r for r in data["items"] if r["id"] == item.pk)
    assert row["video_url"] == f"/media/{asset_id}/file" and row["activity_id"] == activity.pk
    assert row["images"][0]["url"] == f"/media/{image.asset_id}/file"
    assert row["images"][0]["thumbnail_url"].startswith(f"/media/{image.asset_id}/")
    assert row["is_late"] is False and row["late_seconds"] == 0
    assert Client().get(f"/media/{asset_id}/file").status_code == 200  # public with the item


def test_a_video_longer_than_the_campaign_allows_is_refused(held, unit, publicity, videos, settings, demo):
    settings.MEDIA_CHUNK_BYTES = 8 * 1024 * 1024
    demo.summary_video_max_seconds = 4
    demo.save(update_fields=["summary_video_max_seconds"])
    activity, now = held
    asset_id = chunked_upload(publicity, videos["long"])["asset"]
    response = post(publicity, form(activity, unit, video=str(asset_id)), now)
    assert response.status_code == 200
    page = response.content.decode()
    assert "视频时长" in page and "超过上限" in page and "实验室开放日" in page
    assert not NewsItem.objects.filter(title="实验室开放日").exists()
    # A file whose header claims 1 s is measured by its real streams.
    lying = chunked_upload(publicity, videos["lie"])
    assert lying.get("asset")
    assert MediaAsset.objects.get(pk=lying["asset"]).duration_seconds > 4
    refused = post(publicity, form(activity, unit, video=str(lying["asset"])), now)
    assert refused.status_code == 200 and "超过上限" in refused.content.decode()


def test_an_unreadable_video_is_refused_by_the_widget(publicity, settings):
    data = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000
    started = publicity.post(reverse("media:upload_start"), {"purpose": "news.video", "filename": "坏.mp4",
                                                             "size": len(data)}, content_type="application/json")
    urls = started.json()["urls"]
    publicity.generic("PUT", f"{urls['chunk']}?offset=0", data, content_type="application/octet-stream")
    finish = publicity.post(urls["finish"])
    assert finish.status_code == 422 and finish.json()["error"]["message"]


def test_only_news_staff_may_upload_news_media(client):
    from sciweek.conftest import sign_in

    sign_in(client, "unit-statistician")
    started = client.post(reverse("media:upload_start"), {"purpose": "news.video", "filename": "x.mp4", "size": 10},
                          content_type="application/json")
    assert started.status_code == 403


def test_waiting_items_pictures_play_only_signed(held, unit, demo):
    demo.news_review_required = True
    demo.save(update_fields=["news_review_required"])
    activity, now = held
    assets, _ = services.intake_images([jpeg()], actor=user("unit-publicity"))
    with freeze_time(now):
        item = services.submit(actor=user("unit-publicity"), organization=unit, campaign=demo, title="待审",
                               body="x", activity=activity, images=[(assets[0], "")])
    assert Client().get(f"/media/{assets[0].pk}/file").status_code == 404
    assert Client().get(reverse("news:detail", args=[2020, item.pk])).status_code == 404
    assert item.pk not in [r["id"] for r in Client().get("/api/v1/campaigns/2020/news", {"page_size": 50}).json()["items"]]


def test_the_feed_shows_thumbnails_with_captions_in_bounded_queries(held, unit, django_assert_max_num_queries):
    activity, now = held

    def add(n):
        assets, _ = services.intake_images([jpeg(f"{n}a.jpg", color=(n, 1, 1)), jpeg(f"{n}b.jpg", color=(1, n, 1))],
                                           actor=user("unit-publicity"))
        with freeze_time(now + timedelta(minutes=n)):
            services.submit(actor=user("unit-publicity"), organization=unit, campaign=activity.campaign,
                            title=f"图文动态{n}", body="x", activity=activity,
                            images=[(assets[0], f"说明{n}"), (assets[1], "")])

    add(1)
    client = Client()
    client.get(reverse("news:feed", args=[2020]))  # warm what every page reads once (sessions, campaign lists)
    with django_assert_max_num_queries(12) as few:
        page = client.get(reverse("news:feed", args=[2020])).content.decode()
    baseline = len(few.captured_queries)
    for n in range(2, 12):
        add(n)
    with django_assert_max_num_queries(baseline):
        page = client.get(reverse("news:feed", args=[2020])).content.decode()
    assert 'alt="说明11"' in page and "图文动态11" in page
    first = NewsImage.objects.filter(item__title="图文动态11", caption="说明11").get()
    assert f'href="/media/{first.asset_id}/file"' in page
    assert f'/media/{first.asset_id}/poster' in page or f'src="/media/{first.asset_id}/file"' in page


def test_exif_location_is_not_kept(held, unit):
    """The intake re-encodes pictures without their metadata (GPS included)."""
    from PIL import Image

    activity, now = held
    picture = Image.new("RGB", (64, 48), (200, 10, 10))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    assert b"Exif" in buffer.getvalue()[:200]
    assets, refused = services.intake_images([SimpleUploadedFile("gps.jpg", buffer.getvalue())],
                                             actor=user("unit-publicity"))
    assert not refused
    with assets[0].file.open("rb") as stored:
        kept = Image.open(stored)
        kept.load()
        assert 0x8825 not in kept.getexif()
