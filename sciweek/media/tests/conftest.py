"""Test media made with PyAV and Pillow: tiny frames at a low frame rate, so a three-minute
video takes a fraction of a second to encode. Made once per session; tests copy them (intake
removes its source)."""
import fractions
import io
import shutil
import struct
import zlib

import pytest
from PIL import Image

from sciweek.media.registry import register_purpose, unregister_purpose
from sciweek.media.requirements import MB, MediaRequirements


def make_video(path, seconds, *, fps=10, width=64, height=36, codec="libx264", fmt=None, audio=False,
               options=None):
    import av

    with av.open(str(path), "w", format=fmt, options=options or {}) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "ultrafast"}
        sound = container.add_stream("aac", rate=8000) if audio else None
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for index in range(round(seconds * fps)):
            frame.pts, frame.time_base = index, fractions.Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            chunk = av.AudioFrame(format="fltp", layout="mono", samples=1024)
            for plane in chunk.planes:
                plane.update(bytes(plane.buffer_size))
            chunk.sample_rate = 8000
            for index in range(int(seconds * 8000 / 1024)):
                chunk.pts, chunk.time_base = index * 1024, fractions.Fraction(1, 8000)
                for packet in sound.encode(chunk):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return path


def claim_duration(data: bytes, seconds: int) -> bytes:
    """The same frames, but the movie and track headers (mvhd, tkhd, mdhd) claim `seconds`."""
    patched = bytearray(data)
    mvhd = patched.find(b"mvhd")
    movie_scale = struct.unpack(">I", patched[mvhd + 16:mvhd + 20])[0]
    struct.pack_into(">I", patched, mvhd + 20, movie_scale * seconds)
    tkhd = patched.find(b"tkhd")
    struct.pack_into(">I", patched, tkhd + 24, movie_scale * seconds)
    mdhd = patched.find(b"mdhd")
    track_scale = struct.unpack(">I", patched[mdhd + 16:mdhd + 20])[0]
    struct.pack_into(">I", patched, mdhd + 20, track_scale * seconds)
    return bytes(patched)


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header for a huge image over a few bytes of data: a decompression bomb's shape."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
            + chunk(b"IEND", b""))


def image_bytes(fmt="JPEG", size=(320, 200), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (30, 120, 200) if mode == "RGB" else (30, 120, 200, 128)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def samples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media-samples")
    made = {
        "179.9": make_video(folder / "d1799.mp4", 179.9),
        "180.0": make_video(folder / "d1800.mp4", 180.0),
        "180.5": make_video(folder / "d1805.mp4", 180.5),
        "micro": make_video(folder / "micro.mp4", 150, fps=1, width=640, height=360),
        "small": make_video(folder / "small.mp4", 3, width=160, height=96, audio=True,
                            options={"movflags": "faststart"}),
        "mpeg4": make_video(folder / "mpeg4.mp4", 3, codec="mpeg4"),
        "vp8": make_video(folder / "vp8.webm", 3, codec="libvpx", fmt="webm"),
    }
    lie = folder / "lie.mp4"
    lie.write_bytes(claim_duration(made["180.5"].read_bytes(), 60))
    made["lie"] = lie
    return made


@pytest.fixture
def sample(samples, tmp_path):
    """A fresh copy of a sample under the given name (names mean nothing to intake)."""
    def copy(key, name=None):
        target = tmp_path / "incoming" / (name or samples[key].name)
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(samples[key], target)
        return target

    return copy


@pytest.fixture
def write_file(tmp_path):
    def write(name, data: bytes):
        target = tmp_path / "incoming" / name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(data)
        return target

    return write


TEST_VIDEO = MediaRequirements(containers=frozenset({"mp4", "mov"}), video_codecs=frozenset({"h264", "hevc"}),
                               max_seconds=180, max_bytes=5 * MB)


@pytest.fixture
def test_purpose():
    """The purpose "media.test", registered only inside tests: signed-in people may upload."""
    purpose = register_purpose("media.test", TEST_VIDEO, may_upload=lambda request: request.user.is_authenticated)
    yield purpose
    unregister_purpose("media.test")


@pytest.fixture
def new_assets(db):
    """The assets made during the test: the demo loaded into every test database has its own
    (a summary report's pictures and video)."""
    from sciweek.media.models import MediaAsset

    before = set(MediaAsset.objects.values_list("pk", flat=True))
    return lambda: MediaAsset.objects.exclude(pk__in=before)


def stored_files(settings):
    """Every file under MEDIA_ROOT and the upload temp folder (nothing may stay after a refusal)."""
    from pathlib import Path

    from sciweek.media.services import upload_temp_dir

    found = []
    for root in (Path(settings.MEDIA_ROOT), upload_temp_dir()):
        if root.exists():
            found += [p for p in root.rglob("*") if p.is_file()]
    return found
