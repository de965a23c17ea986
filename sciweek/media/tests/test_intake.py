"""intake: probe, check, hash, store under a random name, poster, row — or a refusal that
leaves no file anywhere."""
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sciweek.media.models import MediaAsset
from sciweek.media.requirements import IMAGE, SUMMARY_VIDEO, VIDEO_2_TO_5_MIN
from sciweek.media.services import intake, intake_upload, sanitize_name

from .conftest import image_bytes, png_claiming, stored_files

pytestmark = pytest.mark.django_db


def test_video_intake_stores_file_poster_and_row(sample, settings):
    source = sample("micro")
    data = source.read_bytes()
    asset = intake(source, original_name="我的作品.mp4", requirements=VIDEO_2_TO_5_MIN, purpose="media.test")
    assert not source.exists()  # intake took it
    assert asset.kind == MediaAsset.Kind.VIDEO and asset.container == "mp4" and asset.video_codec == "h264"
    assert (asset.width, asset.height, asset.duration_display, asset.size) == (640, 360, "2:30", len(data))
    assert asset.original_name == "我的作品.mp4" and asset.content_type == "video/mp4"
    assert asset.file.name.startswith("media/") and asset.file.name.endswith(".mp4")
    assert Path(asset.file.path).read_bytes() == data
    with Image.open(asset.poster.path) as poster:
        assert poster.format == "JPEG" and poster.size == (640, 360)
    assert asset.duplicate_of is None and not asset.is_public
    assert len(stored_files(settings)) == 2  # the file and its poster, no temp left


def test_image_intake_makes_a_thumbnail(write_file):
    asset = intake(write_file("photo.JPG", image_bytes("JPEG", size=(2000, 1000))), original_name="photo.JPG",
                   requirements=IMAGE)
    assert (asset.kind, asset.container, asset.width, asset.height, asset.duration_seconds) == ("image", "jpeg",
                                                                                              2000, 1000, None)
    assert asset.file.name.endswith(".jpg")
    with Image.open(asset.poster.path) as thumbnail:
        assert thumbnail.size == (480, 240) == asset.poster_size


def test_path_traversal_in_the_name(sample, settings):
    asset = intake(sample("small"), original_name="../../etc/x.mp4", requirements=SUMMARY_VIDEO)
    assert asset.original_name == "x.mp4"
    assert ".." not in asset.file.name and "etc" not in asset.file.name
    assert Path(asset.file.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert sanitize_name("..\\..\\win\\evil\u202egnp.exe") == "evilgnp.exe"
    assert sanitize_name("...") == "file"


def test_duplicates_are_flagged_not_refused(sample):
    first = intake(sample("small", "a.mp4"), original_name="a.mp4", requirements=SUMMARY_VIDEO)
    second = intake(sample("small", "b.mp4"), original_name="b.mp4", requirements=SUMMARY_VIDEO)
    third = intake(sample("small", "c.mp4"), original_name="c.mp4", requirements=SUMMARY_VIDEO)
    assert first.sha256 == second.sha256 and len(first.sha256) == 64
    assert (first.duplicate_of, second.duplicate_of, third.duplicate_of) == (None, first, first)
    assert second.file.name != first.file.name


def test_renamed_mp4_is_stored_by_its_content(sample):
    asset = intake(sample("small", "clip.jpg"), original_name="clip.jpg", requirements=SUMMARY_VIDEO)
    assert asset.container == "mp4" and asset.file.name.endswith(".mp4")


REFUSALS = [
    ("empty.mp4", lambda s: b"", SUMMARY_VIDEO, "文件是空的（0 字节），请重新选择文件。"),
    ("cut.mp4", lambda s: s["180.0"].read_bytes()[:20000], SUMMARY_VIDEO, "文件不完整或已损坏"),
    ("long.mp4", lambda s: s["180.5"].read_bytes(), SUMMARY_VIDEO, "视频时长 3:00.5 超过上限 3:00。"),
    ("lie.mp4", lambda s: s["lie"].read_bytes(), SUMMARY_VIDEO, "视频时长 3:00.5 超过上限 3:00。"),
    ("photo.jpg", lambda s: b"<html><body>hi</body></html>", IMAGE, "文件内容是文本"),
    ("x.mp4", lambda s: b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", SUMMARY_VIDEO, "文件内容是文本"),
    ("bomb.png", lambda s: png_claiming(30000, 30000), IMAGE, "图片像素过多"),
    ("video.jpg", lambda s: s["small"].read_bytes(), IMAGE, "这里需要上传图片"),
    ("mpeg4.mp4", lambda s: s["mpeg4"].read_bytes(), SUMMARY_VIDEO, "视频编码 MPEG-4 Part 2 不符合要求"),
    ("../../x.webm", lambda s: s["vp8"].read_bytes(), SUMMARY_VIDEO, "视频格式 WebM 不符合要求"),
]


@pytest.mark.parametrize(("name", "content", "requirements", "message"), REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_refusals_leave_nothing_behind(samples, write_file, settings, new_assets, name, content, requirements,
                                       message):
    source = write_file(name.rsplit("/", 1)[-1], content(samples))
    with pytest.raises(ValidationError) as refused:
        intake(source, original_name=name, requirements=requirements)
    assert any(m.startswith(message) for m in refused.value.messages), refused.value.messages
    assert not source.exists()
    assert stored_files(settings) == []
    assert not new_assets().exists()


def test_too_large_is_refused_before_probing(sample, settings, monkeypatch):
    from sciweek.media import probe as probe_module

    monkeypatch.setattr(probe_module, "_run_child", lambda *a: pytest.fail("probed a file already too large"))
    small = SUMMARY_VIDEO.__class__(**{**SUMMARY_VIDEO.__dict__, "max_bytes": 1000})
    with pytest.raises(ValidationError) as refused:
        intake(sample("small"), original_name="a.mp4", requirements=small)
    assert refused.value.messages[0].startswith("文件大小") and "超过上限 1000\xa0字节" in refused.value.messages[0]
    assert stored_files(settings) == []


def test_failed_storage_removes_what_was_stored(sample, settings, monkeypatch, new_assets):
    """The poster cannot be saved (a full disk): the video already stored goes too."""
    from sciweek.core.uploads import StorageFull
    from sciweek.media import services

    real = services.save_upload

    def save(fieldfile, name, content):
        if name.endswith("-poster.jpg"):
            raise StorageFull(28, "No space left on device")
        return real(fieldfile, name, content)

    monkeypatch.setattr(services, "save_upload", save)
    with pytest.raises(StorageFull):
        intake(sample("small"), original_name="a.mp4", requirements=SUMMARY_VIDEO)
    assert stored_files(settings) == []
    assert not new_assets().exists()


def test_intake_of_a_form_upload(settings):
    upload = SimpleUploadedFile("../pic.png", image_bytes("PNG"), content_type="image/png")
    asset = intake_upload(upload, requirements=IMAGE)
    assert asset.original_name == "pic.png" and asset.container == "png"
    assert len(stored_files(settings)) == 2
