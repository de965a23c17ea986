"""Demo pictures and a demo video for the demo data of the apps (news, summaries): drawn with
Pillow and encoded with PyAV here, then taken in through the real intake (checked, stripped,
thumbnailed) once; later loads find them again. ``copies`` gives an asset a row of its own
(an app that allows an asset in one place only) sharing the same stored file."""
from __future__ import annotations

import fractions
import io
import tempfile
from pathlib import Path

from .models import MediaAsset

COLORS = [(11, 79, 156), (23, 107, 44), (154, 103, 0), (120, 40, 140)]


def pictures(actor, purpose: str) -> list[MediaAsset]:
    from PIL import Image, ImageDraw

    from . import services
    from .requirements import IMAGE

    found = list(MediaAsset.objects.filter(purpose=purpose, original_name__startswith="演示活动现场")
                 .order_by("original_name"))
    if len(found) >= len(COLORS):
        return found[: len(COLORS)]
    assets = []
    for n, color in enumerate(COLORS):
        picture = Image.new("RGB", (800, 600), (240, 244, 250))
        draw = ImageDraw.Draw(picture)
        draw.rectangle([60, 60, 740, 540], outline=color, width=12)
        draw.ellipse([300, 200, 500, 400], fill=color)
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=85)
        with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as file:
            file.write(buffer.getvalue())
        assets.append(services.intake(file.name, original_name=f"演示活动现场{n + 1}.jpg", requirements=IMAGE,
                                      actor=actor, purpose=purpose))
    return assets


def video(actor, purpose: str, seconds: int = 20) -> MediaAsset:
    from . import services
    from .requirements import SUMMARY_VIDEO

    found = MediaAsset.objects.filter(purpose=purpose, original_name="演示总结视频.mp4").first()
    if found is not None:
        return found
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "summary.mp4"
        _write_video(path, seconds)
        return services.intake(path, original_name="演示总结视频.mp4", requirements=SUMMARY_VIDEO, actor=actor,
                               purpose=purpose, remove_source=False)


def copies(asset: MediaAsset, n: int) -> list[MediaAsset]:
    """`n` more rows for the same stored file (flagged as duplicates of the first)."""
    made = []
    for _ in range(n):
        copy = MediaAsset.objects.get(pk=asset.pk)
        copy.pk = None
        copy.duplicate_of_id = asset.pk
        copy.save()
        made.append(copy)
    return made


def _write_video(path: Path, seconds: int, fps: int = 10) -> None:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        frame = av.VideoFrame(320, 180, "yuv420p")
        for n in range(seconds * fps):
            for i, plane in enumerate(frame.planes):
                plane.update(bytes([(n * 3 + i * 60) % 256]) * plane.buffer_size)
            frame.pts, frame.time_base = n, fractions.Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
