"""probe and check: the real streams decide, hostile files never reach FFmpeg (or, if they
did, could not make it read another file or open a connection)."""
import socket
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sciweek.media import probe as probe_module
from sciweek.media.models import format_duration
from sciweek.media.probe import Probe, Sniffed, probe, sniff
from sciweek.media.requirements import IMAGE, SUMMARY_VIDEO, VIDEO_2_TO_5_MIN, check

from .conftest import image_bytes, png_claiming


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"outbound connection attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture
def no_ffmpeg(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the file reached FFmpeg")

    monkeypatch.setattr(probe_module, "_run_child", refuse)


def test_probe_reads_the_real_streams(samples):
    found = probe(samples["small"])
    assert (found.kind, found.container, found.video_codec, found.audio_codec) == ("video", "mp4", "h264", "aac")
    assert (found.width, found.height) == (160, 96)
    assert found.duration_seconds == Decimal("3.000")
    assert found.content_type == "video/mp4" and found.size == samples["small"].stat().st_size


@pytest.mark.parametrize(("key", "passes", "shown"), [("179.9", True, "2:59.9"), ("180.0", True, "3:00"),
                                                      ("180.5", False, "3:00.5")])
def test_three_minute_boundary_is_decided_by_the_stream(samples, key, passes, shown):
    found = probe(samples[key])
    assert found.duration_seconds == Decimal(key)
    messages = check(found, SUMMARY_VIDEO)
    assert (messages == []) is passes
    if not passes:
        assert messages == [f"视频时长 {shown} 超过上限 3:00。"]


def test_duration_comes_from_the_packets_not_the_header(samples):
    import av

    with av.open(str(samples["lie"])) as container:  # what the header claims
        assert container.duration / 1_000_000 == 60
    found = probe(samples["lie"])
    assert found.duration_seconds == Decimal("180.500")
    assert check(found, SUMMARY_VIDEO) == ["视频时长 3:00.5 超过上限 3:00。"]


def test_micro_video_requirements(samples):
    assert check(probe(samples["micro"]), VIDEO_2_TO_5_MIN) == []
    messages = check(probe(samples["small"]), VIDEO_2_TO_5_MIN)
    assert "视频时长 0:03 短于下限 2:00。" in messages
    assert "分辨率 160×96 低于要求的 640×360。" in messages


def test_portrait_video_meets_a_landscape_minimum():
    portrait = Probe("video", "mp4", "h264", "aac", Decimal("150"), 360, 640, 1000)
    assert check(portrait, VIDEO_2_TO_5_MIN) == []


def test_codec_and_container_not_allowed(samples):
    mpeg4 = probe(samples["mpeg4"])
    assert mpeg4.video_codec == "mpeg4"
    assert check(mpeg4, SUMMARY_VIDEO) == ["视频编码 MPEG-4 Part 2 不符合要求，须为 H.264、H.265 (HEVC)。"]
    webm = probe(samples["vp8"])
    assert (webm.container, webm.video_codec) == ("webm", "vp8")
    assert check(webm, SUMMARY_VIDEO)[0] == "视频格式 WebM 不符合要求，请上传 MOV、MP4 格式。"


def test_renamed_file_is_judged_by_content(sample):
    assert probe(sample("small", "clip.mov")).container == "mp4"
    as_jpg = probe(sample("small", "photo.jpg"))
    assert as_jpg.kind == "video"
    assert check(as_jpg, IMAGE) == ["这里需要上传图片（JPG、PNG、WebP），您的文件是视频。"]


def test_zero_byte_file(write_file, no_ffmpeg):
    with pytest.raises(ValidationError) as refused:
        probe(write_file("empty.mp4", b""))
    assert refused.value.messages == ["文件是空的（0 字节），请重新选择文件。"]


def test_truncated_mp4(samples, write_file):
    data = samples["180.0"].read_bytes()  # the index (moov) comes last: cut, it is gone
    with pytest.raises(ValidationError) as refused:
        probe(write_file("cut.mp4", data[: len(data) // 2]))
    assert refused.value.code == "damaged"
    data = samples["small"].read_bytes()  # index first: the frames it lists are missing
    with pytest.raises(ValidationError) as refused:
        probe(write_file("cut2.mp4", data[: len(data) * 2 // 3]))
    assert refused.value.code == "truncated"
    assert "不完整或已损坏" in refused.value.messages[0]


@pytest.mark.parametrize(("name", "content"), [
    ("photo.jpg", b"<!doctype html><html><script>alert(1)</script></html>"),
    ("clip.mp4", b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"),
    ("clip.mp4", b"#EXTM3U\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n"),
    ("clip.mov", b"ffconcat version 1.0\nfile '/etc/passwd'\n"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'),
])
def test_text_files_are_refused_before_ffmpeg(write_file, no_ffmpeg, no_network, name, content):
    with pytest.raises(ValidationError) as refused:
        probe(write_file(name, content))
    assert refused.value.code == "text"
    assert refused.value.messages == ["文件内容是文本（例如网页、播放列表或 SVG），不是视频或图片，未予接收。"]


def test_unknown_binary_is_refused(write_file, no_ffmpeg):
    with pytest.raises(ValidationError) as refused:
        probe(write_file("x.mp4", bytes(range(256)) * 4))
    assert refused.value.code == "unknown"


def test_ffmpeg_itself_follows_no_playlist(write_file, settings):
    """Defence in depth: even if a playlist got past the sniff, the child opens it only with
    the named demuxer and the file protocol, and makes no connection (a listening socket
    on this machine sees none)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    playlist = write_file("p.m3u8", f"#EXTM3U\n#EXTINF:10,\nhttp://127.0.0.1:{port}/x.ts\n"
                                    "#EXTINF:10,\nfile:///etc/passwd\n".encode())
    try:
        for reader in ("mov", "matroska", "mpegts"):
            result = probe_module._run_child(Sniffed("video", "mp4", reader), playlist, None, 10)
            assert result["ok"] is False, reader
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()


def test_decompression_bomb_png(write_file):
    with pytest.raises(ValidationError) as refused:
        probe(write_file("bomb.png", png_claiming(20000, 20000)))
    assert refused.value.code == "too_many_pixels"
    assert refused.value.messages == ["图片像素过多（超过 50 百万像素），可能是恶意文件，未予接收。"]


def test_images(write_file):
    jpeg = probe(write_file("a.jpg", image_bytes("JPEG")))
    assert (jpeg.kind, jpeg.container, jpeg.width, jpeg.height, jpeg.duration_seconds) == ("image", "jpeg", 320, 200,
                                                                                          None)
    assert check(jpeg, IMAGE) == []
    png = probe(write_file("a.png", image_bytes("PNG", mode="RGBA")))
    assert png.container == "png" and png.content_type == "image/png"
    assert probe(write_file("a.webp", image_bytes("WEBP"))).container == "webp"
    gif = probe(write_file("a.gif", image_bytes("GIF")))
    assert check(gif, IMAGE) == ["图片格式 GIF 不符合要求，请上传 JPG、PNG、WebP 格式。"]
    big = Probe("image", "png", "", "", None, 8000, 6000, 1000)
    assert check(big, IMAGE) == ["图片尺寸 8000×6000（48.0 百万像素）超过上限 40 百万像素。"]


def test_truncated_image(write_file):
    data = image_bytes("PNG", size=(400, 400), mode="RGBA")
    with pytest.raises(ValidationError) as refused:
        probe(write_file("cut.png", data[: len(data) // 2]))
    assert refused.value.code == "damaged_image"


def test_probe_timeout_kills_the_child(samples, settings):
    settings.MEDIA_PROBE_TIMEOUT = 0.01
    with pytest.raises(ValidationError) as refused:
        probe(samples["small"])
    assert refused.value.code == "timeout"
    assert "超时" in refused.value.messages[0]


def test_sniff_names_the_demuxer():
    assert sniff(b"\0\0\0\x14ftypqt  \0\0\0\0qt  ") == Sniffed("video", "mov", "mov")
    assert sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm").container == "webm"
    with pytest.raises(ValidationError):
        sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic")


def test_format_duration():
    assert format_duration(Decimal("185")) == "3:05"
    assert format_duration(Decimal("180.5"), precise=True) == "3:00.5"
    assert format_duration(Decimal("179.9"), precise=True) == "2:59.9"
    assert format_duration(Decimal("180.04"), precise=True) == "3:00.04"
