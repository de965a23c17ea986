"""Images are kept re-encoded: upright (EXIF orientation applied), in their own format, without
EXIF, GPS, XMP, text chunks or comments (the ICC profile kept), with a thumbnail of at most
480 px; animations are refused. Video posters are turned as the video is displayed (a phone's
display matrix)."""
import hashlib
import io
import struct
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from PIL import ExifTags, Image, ImageCms, ImageDraw, PngImagePlugin

from sciweek.core.uploads import StorageFull
from sciweek.media import probe as probe_module
from sciweek.media.models import fit_within
from sciweek.media.probe import probe
from sciweek.media.probe_child import THUMBNAIL_MAX_SIDE
from sciweek.media.requirements import IMAGE, SUMMARY_VIDEO
from sciweek.media.services import intake

from .conftest import image_bytes, stored_files

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 30, 30), (30, 60, 200)
SERIAL, MAKE = "SN-4711-SECRET", "SciCam"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="39,54.45N"/>'
       b'</rdf:RDF></x:xmpmeta>')
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
WITH_GIF = replace(IMAGE, image_formats=IMAGE.image_formats | {"gif"})


def marked(size=(1200, 800), mode="RGB"):
    """A blue picture with a red block in its top-left corner: where the block ends up shows
    how the picture was turned."""
    image = Image.new(mode, size, BLUE)
    ImageDraw.Draw(image).rectangle([0, 0, size[0] // 10, size[1] // 10], fill=RED)
    return image


def phone_exif(orientation=6) -> Image.Exif:
    """What a phone writes: orientation, make, body serial number, GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = MAKE
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = SERIAL
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (116.0, 23.0, 30.0)
    return exif


def saved(image, fmt, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def near(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def assert_no_metadata(path):
    with open(path, "rb") as file:
        data = file.read()
    for secret in (SERIAL.encode(), MAKE.encode(), b"Exif\x00\x00", b"xmpmeta", b"secret note", b"39,54"):
        assert secret not in data, secret
    with Image.open(path) as image:
        image.load()
        assert len(image.getexif()) == 0
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "Author", "Comment", "Location"):
            assert key not in image.info, key
        assert not getattr(image, "text", {})


def test_phone_photo_is_turned_upright_and_loses_its_exif(write_file, settings):
    data = saved(marked(), "JPEG", exif=phone_exif(6), xmp=XMP, comment=b"secret note", icc_profile=SRGB, quality=95)
    with Image.open(io.BytesIO(data)) as source:  # the test photo does carry what a phone writes
        exif = source.getexif()
        assert exif[ExifTags.Base.Orientation] == 6 and exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] == SERIAL
    asset = intake(write_file("IMG_0001.JPG", data), original_name="IMG_0001.JPG", requirements=IMAGE)

    # Orientation 6: the stored pixels are turned a quarter clockwise to be seen upright.
    assert (asset.width, asset.height) == (800, 1200)
    assert asset.sha256 == hashlib.sha256(data).hexdigest()  # the upload's bytes, not the re-encoded ones
    assert asset.container == "jpeg" and asset.content_type == "image/jpeg" and asset.file.name.endswith(".jpg")
    with open(asset.file.path, "rb") as file:
        kept = file.read()
    assert asset.size == len(kept) != len(data)
    with Image.open(asset.file.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (800, 1200))
        assert stored.info.get("icc_profile") == SRGB  # colour, not a fact about the photo: kept
        rgb = stored.convert("RGB")
        assert near(rgb.getpixel((790, 10)), RED) and near(rgb.getpixel((10, 10)), BLUE)  # top-left went top-right
    assert_no_metadata(asset.file.path)

    with Image.open(asset.poster.path) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.mode == "RGB"
        assert thumbnail.size == (320, 480) == asset.poster_size
        assert max(thumbnail.size) <= THUMBNAIL_MAX_SIDE and "icc_profile" not in thumbnail.info
        assert near(thumbnail.getpixel((315, 5)), RED)
    assert_no_metadata(asset.poster.path)
    assert len(stored_files(settings)) == 2  # the kept copy and its thumbnail, no temp left


def test_the_same_photo_twice_is_a_duplicate(write_file):
    data = saved(marked((400, 300)), "JPEG", exif=phone_exif(6))
    first = intake(write_file("a.jpg", data), original_name="a.jpg", requirements=IMAGE)
    second = intake(write_file("b.jpg", data), original_name="b.jpg", requirements=IMAGE)
    assert second.duplicate_of == first and second.sha256 == first.sha256 == hashlib.sha256(data).hexdigest()


def test_probe_reports_the_displayed_size(write_file):
    found = probe(write_file("p.jpg", saved(marked((300, 200)), "JPEG", exif=phone_exif(8))))
    assert (found.width, found.height, found.frames) == (200, 300, 1)


def test_png_loses_its_text_chunks_and_exif(write_file):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone")
    info.add_text("Location", "39,54.45N", zip=True)  # zTXt
    info.add_itxt("Comment", "secret note", lang="zh", tkey="注释")  # iTXt
    data = saved(marked((300, 200), "RGBA"), "PNG", pnginfo=info, exif=phone_exif(8))
    with Image.open(io.BytesIO(data)) as source:
        source.load()
        assert {"Author", "Location", "Comment"} <= set(source.text)
    asset = intake(write_file("scan.png", data), original_name="scan.png", requirements=IMAGE)
    assert (asset.container, asset.width, asset.height) == ("png", 200, 300)  # orientation 8 applied
    with Image.open(asset.file.path) as stored:
        assert (stored.format, stored.mode, stored.size) == ("PNG", "RGBA", (200, 300))
        assert near(stored.getpixel((5, 295)), RED)  # a quarter counter-clockwise: top-left went bottom-left
    assert_no_metadata(asset.file.path)


def test_palette_png_keeps_its_palette_and_transparency(write_file):
    image = Image.new("P", (120, 80), 1)
    image.putpalette([255, 255, 255, *RED, *BLUE] + [0] * 759)
    ImageDraw.Draw(image).rectangle([0, 0, 59, 79], fill=0)  # the left half transparent
    data = saved(image, "PNG", transparency=0)
    asset = intake(write_file("logo.png", data), original_name="logo.png", requirements=IMAGE)
    with Image.open(asset.file.path) as stored:
        assert (stored.format, stored.mode, stored.info.get("transparency")) == ("PNG", "P", 0)
        assert stored.getpixel((10, 10)) == 0 and stored.getpixel((100, 10)) == 1
    with Image.open(asset.poster.path) as thumbnail:
        assert thumbnail.mode == "RGB"
        assert near(thumbnail.getpixel((10, 10)), (255, 255, 255)) and near(thumbnail.getpixel((100, 10)), RED)


def test_cmyk_jpeg(write_file):
    image = Image.new("CMYK", (640, 480), (0, 220, 220, 0))  # red in ink
    data = saved(image, "JPEG", quality=95)
    asset = intake(write_file("print.jpg", data), original_name="print.jpg", requirements=IMAGE)
    assert (asset.width, asset.height) == (640, 480)
    with Image.open(asset.file.path) as stored:
        assert (stored.format, stored.mode) == ("JPEG", "CMYK")
        assert all(abs(a - b) <= 8 for a, b in zip(stored.getpixel((320, 240)), (0, 220, 220, 0), strict=True))
    with Image.open(asset.poster.path) as thumbnail:
        assert (thumbnail.mode, thumbnail.size) == ("RGB", (480, 360))
        assert near(thumbnail.getpixel((240, 180)), (255, 35, 35))


def test_webp_stays_webp_lossless_stays_lossless(write_file):
    lossless = intake(write_file("a.webp", saved(marked((300, 200)), "WEBP", lossless=True, exif=phone_exif(3))),
                      original_name="a.webp", requirements=IMAGE)
    lossy = intake(write_file("b.webp", saved(marked((300, 200)), "WEBP", quality=80, xmp=XMP)),
                   original_name="b.webp", requirements=IMAGE)
    for asset, chunk in ((lossless, b"VP8L"), (lossy, b"VP8 ")):
        assert asset.container == "webp" and asset.file.name.endswith(".webp")
        with open(asset.file.path, "rb") as file:
            assert chunk in file.read(64)
        assert_no_metadata(asset.file.path)
    with Image.open(lossless.file.path) as stored:
        assert stored.getpixel((299, 199)) == RED  # orientation 3 (half a turn), exactly
        assert stored.getpixel((0, 0)) == BLUE


def test_a_photo_with_several_pictures_keeps_the_first(write_file):
    """An MPO (a JPEG carrying more pictures: a phone's preview or depth map) is a photo."""
    data = saved(marked((300, 200)), "MPO", save_all=True, append_images=[Image.new("RGB", (300, 200), RED)],
                 exif=phone_exif(1))
    asset = intake(write_file("dual.jpg", data), original_name="dual.jpg", requirements=IMAGE)
    with Image.open(asset.file.path) as stored:
        assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
        assert near(stored.getpixel((150, 150)), BLUE)
    assert_no_metadata(asset.file.path)


def test_a_damaged_exif_block_does_not_refuse_the_photo(write_file):
    plain = saved(marked((200, 100)), "JPEG")
    garbage = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + bytes(range(256)) * 2
    data = plain[:2] + b"\xff\xe1" + struct.pack(">H", len(garbage) + 2) + garbage + plain[2:]
    asset = intake(write_file("odd.jpg", data), original_name="odd.jpg", requirements=IMAGE)
    assert (asset.width, asset.height) == (200, 100)
    with open(asset.file.path, "rb") as file:
        assert b"Exif\x00\x00" not in file.read()


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_jpeg_is_refused_and_leaves_nothing(write_file, settings, new_assets, cut):
    noisy = Image.merge("RGB", [Image.effect_noise((800, 600), 60).convert("L")] * 3)
    data = saved(noisy, "JPEG", quality=90)
    source = write_file("cut.jpg", data[:int(len(data) * cut)])
    with pytest.raises(ValidationError) as refused:
        intake(source, original_name="cut.jpg", requirements=IMAGE)
    assert refused.value.messages == ["图片文件不完整或已损坏，无法读取。"]
    assert not source.exists() and stored_files(settings) == [] and not new_assets().exists()


def animated(fmt, frames=3, **options) -> bytes:
    pictures = [Image.new("RGB", (60, 40), colour) for colour in (RED, BLUE, (30, 160, 60))[:frames]]
    return saved(pictures[0], fmt, save_all=True, append_images=pictures[1:], duration=100, loop=0, **options)


@pytest.mark.parametrize(("name", "data", "requirements", "messages"), [
    ("anim.gif", animated("GIF"), WITH_GIF,
     ["这是一张动图（3 帧），这里只接收静态图片，请另存为静态的 JPG、PNG、WebP 图片后上传。"]),
    ("anim.gif", animated("GIF"), IMAGE,
     ["图片格式 GIF 不符合要求，请上传 JPG、PNG、WebP 格式。",
      "这是一张动图（3 帧），这里只接收静态图片，请另存为静态的 JPG、PNG、WebP 图片后上传。"]),
    ("anim.webp", animated("WEBP", 2), IMAGE,
     ["这是一张动图（2 帧），这里只接收静态图片，请另存为静态的 JPG、PNG、WebP 图片后上传。"]),
    ("anim.png", animated("PNG", 2), IMAGE,
     ["这是一张动图（2 帧），这里只接收静态图片，请另存为静态的 JPG、PNG、WebP 图片后上传。"]),
], ids=["gif-allowed", "gif-not-allowed", "webp", "apng"])
def test_animations_are_refused(write_file, settings, new_assets, name, data, requirements, messages):
    with pytest.raises(ValidationError) as refused:
        intake(write_file(name, data), original_name=name, requirements=requirements)
    assert refused.value.messages == messages
    assert stored_files(settings) == [] and not new_assets().exists()


def test_a_still_gif_where_gif_is_allowed_loses_its_comment(write_file):
    image = Image.new("P", (60, 40), 1)
    image.putpalette([0, 0, 0, *RED] + [0] * 762)
    ImageDraw.Draw(image).rectangle([0, 0, 29, 39], fill=0)  # the left half transparent
    asset = intake(write_file("still.gif", saved(image, "GIF", comment=b"secret note", transparency=0)),
                   original_name="still.gif", requirements=WITH_GIF)
    assert asset.container == "gif" and asset.content_type == "image/gif"
    with Image.open(asset.file.path) as stored:
        assert stored.format == "GIF" and stored.info.get("transparency") == 0
    assert_no_metadata(asset.file.path)


def test_a_full_disk_while_re_encoding_is_storage_full(write_file, settings, monkeypatch):
    monkeypatch.setattr(probe_module, "_run_child",
                        lambda *args: {"ok": False, "code": "write_failed", "details": {"errno": 28}})
    source = write_file("a.png", image_bytes("PNG"))
    with pytest.raises(StorageFull):
        intake(source, original_name="a.png", requirements=IMAGE)
    assert not source.exists() and stored_files(settings) == []


def test_fit_within_matches_pillow():
    for width, height in ((2000, 1000), (1000, 2000), (481, 17), (17, 481), (4000, 2999), (3, 9000), (480, 480),
                          (100, 50)):
        picture = Image.new("L", (width, height))
        picture.thumbnail((480, 480))
        assert fit_within(width, height, 480) == picture.size, (width, height)


# --- video posters turned as displayed -------------------------------------------------------

# The track header's matrix ([a b u; c d v; x y w], 16.16 fixed point, w 2.30) as phones write it.
TURNED = {90: (0, 1, 0, -1, 0, 0), 180: (-1, 0, 0, 0, -1, 0), 270: (0, -1, 0, 1, 0, 0)}


def turned_video(data: bytes, clockwise: int, width: int, height: int) -> bytes:
    """``data`` (an MP4 with one track) with its track header saying "turn the picture
    ``clockwise`` degrees to show it": what an upright phone writes (90°)."""
    patched = bytearray(data)
    tkhd = patched.find(b"tkhd")
    assert patched[tkhd + 4] == 0  # version 0: the matrix is 40 bytes in
    a, b, u, c, d, v = TURNED[clockwise]
    x = {90: height, 180: width, 270: 0}[clockwise] << 16
    y = {90: 0, 180: height, 270: width}[clockwise] << 16
    struct.pack_into(">9i", patched, tkhd + 44, a << 16, b << 16, u, c << 16, d << 16, v, x, y, 1 << 30)
    return bytes(patched)


@pytest.fixture(scope="module")
def marked_video(tmp_path_factory):
    """A 64×36 H.264 video, dark with a bright block in the top-left corner of every frame."""
    import fractions

    import av

    path = tmp_path_factory.mktemp("turned") / "marked.mp4"
    picture = Image.new("RGB", (64, 36), (0, 0, 0))
    ImageDraw.Draw(picture).rectangle([0, 0, 15, 9], fill=(255, 255, 255))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for index in range(30):
            frame = av.VideoFrame.from_image(picture).reformat(format="yuv420p")
            frame.pts, frame.time_base = index, fractions.Fraction(1, 10)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


@pytest.mark.parametrize(("clockwise", "size", "bright"), [
    (90, (36, 64), (32, 5)),  # a phone held upright: the top-left corner is shown top-right
    (180, (64, 36), (59, 32)),
    (270, (36, 64), (5, 59)),
])
def test_video_poster_follows_the_display_matrix(marked_video, write_file, clockwise, size, bright):
    data = turned_video(marked_video, clockwise, 64, 36)
    source = write_file("portrait.mp4", data)
    found = probe(source)
    assert (found.rotation, found.width, found.height) == (clockwise, *size)
    asset = intake(source, original_name="portrait.mp4", requirements=SUMMARY_VIDEO)
    assert (asset.width, asset.height) == size
    with open(asset.file.path, "rb") as file:
        assert file.read() == data  # the video itself is kept as it came: players turn it
    with Image.open(asset.poster.path) as poster:
        assert poster.size == size == asset.poster_size
        grey = poster.convert("L")
        assert grey.getpixel(bright) > 200
        assert grey.getpixel((size[0] - 1 - bright[0], size[1] - 1 - bright[1])) < 60


def test_an_unturned_video_is_as_before(marked_video, write_file):
    asset = intake(write_file("plain.mp4", marked_video), original_name="plain.mp4", requirements=SUMMARY_VIDEO)
    assert (asset.width, asset.height) == (64, 36)
    with Image.open(asset.poster.path) as poster:
        assert poster.size == (64, 36) and poster.convert("L").getpixel((5, 5)) > 200


# --- the template partials ----------------------------------------------------------------------

@pytest.fixture
def photos(write_file):
    def make(name, size=(1200, 800), public=True):
        asset = intake(write_file(name, saved(marked(size), "JPEG")), original_name=name, requirements=IMAGE)
        asset.is_public = public
        asset.save(update_fields=["is_public"])
        return asset

    return make


def test_image_partial_for_a_public_asset(photos, client):
    asset = photos("a.jpg")
    html = render_to_string("media/_image.html", {"asset": asset, "caption": "开幕式现场"})
    assert f'<a href="/media/{asset.pk}/file">' in html
    assert f'<img src="/media/{asset.pk}/poster" width="480" height="320" alt="开幕式现场"' in html
    assert 'loading="lazy"' in html and "style=" not in html and "?s=" not in html
    assert "（查看原图）" in html and "<figcaption>" not in html
    shown = render_to_string("media/_image.html", {"asset": asset, "caption": "开幕式现场", "show_caption": True})
    assert "<figcaption>开幕式现场</figcaption>" in shown
    poster = client.get(f"/media/{asset.pk}/poster")
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    assert b"".join(poster.streaming_content)[:3] == b"\xff\xd8\xff"  # read to the end: the file is closed


def test_image_partial_for_a_private_asset(photos, client):
    asset = photos("b.jpg", size=(300, 200), public=False)
    assert render_to_string("media/_image.html", {"asset": asset, "caption": "x"}).strip() == ""
    html = render_to_string("media/_image.html", {"asset": asset, "caption": "", "signed": True})
    assert f'href="/media/{asset.pk}/file?s=' in html and f'src="/media/{asset.pk}/poster?s=' in html
    assert 'width="300" height="200" alt=""' in html
    thumbnail_url = html.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    thumbnail = client.get(thumbnail_url)
    assert thumbnail.status_code == 200 and b"".join(thumbnail.streaming_content)[:3] == b"\xff\xd8\xff"


def test_image_partial_in_english_marks_a_chinese_caption(photos):
    from django.utils import translation

    asset = photos("c.jpg")
    with translation.override("en"):
        html = render_to_string("media/_image.html", {"asset": asset, "caption": "开幕式现场", "show_caption": True})
    assert 'alt="开幕式现场" lang="zh-CN"' in html and '<span lang="zh-CN">开幕式现场</span>' in html


def test_gallery_partial(photos, sample):
    public, private = photos("a.jpg"), photos("b.jpg", size=(400, 800), public=False)
    video = intake(sample("small"), original_name="v.mp4", requirements=SUMMARY_VIDEO)
    video.is_public = True
    video.save()
    items = [(public, "第一张"), (private, "第二张"), (video, "视频")]
    html = render_to_string("media/_gallery.html", {"items": items, "label": "活动照片"})
    assert html.count("<li>") == 1 and 'class="gallery media-gallery"' in html and 'aria-label="活动照片"' in html
    assert f"/media/{public.pk}/poster" in html and f"/media/{private.pk}/" not in html
    signed = render_to_string("media/_gallery.html", {"items": items, "signed": True, "show_captions": True})
    assert signed.count("<li>") == 2 and 'width="240" height="480"' in signed
    assert signed.index("第一张") < signed.index("第二张") and "视频" not in signed and "style=" not in signed
    assert render_to_string("media/_gallery.html", {"items": []}).strip() == ""



def test_sixteen_bit_grey_png(write_file):
    image = Image.new("I;16", (600, 100))
    image.putdata([x * 100 for x in range(600)] * 100)
    asset = intake(write_file("depth.png", saved(image, "PNG")), original_name="depth.png", requirements=IMAGE)
    with Image.open(asset.file.path) as stored:
        assert stored.mode == "I;16" and stored.getpixel((599, 0)) == 59900
    with Image.open(asset.poster.path) as thumbnail:
        assert thumbnail.size == (480, 80)
        assert thumbnail.convert("L").getpixel((479, 0)) > 220  # scaled from 16 bits, not clipped to white
        assert thumbnail.convert("L").getpixel((240, 0)) < 150


def test_a_broken_colour_profile_does_not_refuse_the_photo(write_file):
    data = saved(marked((300, 200)), "JPEG", icc_profile=b"not a profile" * 10)
    asset = intake(write_file("odd.jpg", data), original_name="odd.jpg", requirements=IMAGE)
    with Image.open(asset.poster.path) as thumbnail:
        assert thumbnail.size == (300, 200) and near(thumbnail.getpixel((5, 5)), RED)
