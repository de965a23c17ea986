"""The part of probing that runs FFmpeg or decodes pixels, in a child process of its own.

Started by probe.py as ``python -I probe_child.py <kind> <path> <format> <poster or -> <max pixels>
<seconds> <normalized or ->`` and killed after MEDIA_PROBE_TIMEOUT: a hostile file can crash or
hang only this process. It imports neither Django nor the project, prints one JSON object, and
limits its own memory, CPU time and the size of what it writes. The parent (probe.py) has
already sniffed the file's leading bytes and names the one demuxer FFmpeg may use; nothing here
opens the network or a file the upload names (``protocol_whitelist=file``, ``format_whitelist``).

Every decode of an uploaded file happens here, the re-encoding of images included: an image is
decoded once, turned upright (EXIF orientation), written again without any metadata (the copy
the site keeps and serves) and shrunk to its thumbnail. Figures reported are as displayed: an
image's size after its orientation, a video's after its display matrix (a phone held upright).
"""
import io
import json
import resource
import signal
import sys
import warnings

# format name (probe.py) -> the FFmpeg demuxer that reads it (its full name, for format_whitelist)
DEMUXERS = {"mov": "mov,mp4,m4a,3gp,3g2,mj2", "matroska": "matroska,webm", "avi": "avi", "mpegts": "mpegts"}
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
POSTER_MAX_SIDE = 1280  # a video's poster (the player's still before it plays)
THUMBNAIL_MAX_SIDE = 480  # an image's thumbnail (the small picture pages show and link to the full one)
JPEG_QUALITY = 88  # the kept copy of a JPEG (or lossy WebP) upload
THUMBNAIL_QUALITY = 85
DECODE_MAX_FRAMES = 300  # frames decoded at most while looking for the poster frame
MIB = 1024 * 1024
# The poster of a video; an image's kept copy is bounded by its pixels instead (see limit_resources).
POSTER_MAX_BYTES = 32 * MIB
# The most an encoder can write per pixel: 4 bytes (RGBA, CMYK) incompressible, plus PNG's row
# filters and chunks, or a 16-bit grey PNG's 2 bytes; 6 leaves room.
BYTES_PER_PIXEL_WRITTEN = 6


class Refused(Exception):
    def __init__(self, code, **details):
        super().__init__(code)
        self.code, self.details = code, details


def limit_resources(seconds: float, largest_write: int = POSTER_MAX_BYTES) -> None:
    gib = 1024 ** 3
    resource.setrlimit(resource.RLIMIT_AS, (3 * gib, 3 * gib))
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    # Past this a write fails with EFBIG (the signal that would kill us is ignored, so the parent
    # hears why) instead of filling the disk.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (largest_write, largest_write))


def probe_video(path: str, fmt: str, poster: str | None) -> dict:
    import av

    try:
        container = av.open(path, format=fmt, options={"protocol_whitelist": "file", "format_whitelist": DEMUXERS[fmt]})
    except (av.FFmpegError, OSError, ValueError) as error:
        raise Refused("damaged", detail=str(error)) from error
    with container:
        videos = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
        if not videos:
            raise Refused("no_video")
        stream = videos[0]
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else ""
        context = stream.codec_context
        # The duration is what the packets cover, not what the header claims: a header can say
        # 60 s over three minutes of frames (or the reverse).
        start = end = None
        count = 0
        try:
            for packet in container.demux(stream):
                when = packet.pts if packet.pts is not None else packet.dts
                if when is None:
                    continue
                count += 1
                start = when if start is None else min(start, when)
                stop = when + (packet.duration or 0)
                end = stop if end is None else max(end, stop)
        except (av.FFmpegError, OSError) as error:
            raise Refused("damaged", detail=str(error)) from error
        if count == 0 or end is None or end <= start:
            raise Refused("no_frames")
        if stream.frames and count < stream.frames:
            # The sample table lists frames whose data is not in the file: it was cut short.
            raise Refused("truncated", found=count, declared=stream.frames)
        duration = float((end - start) * stream.time_base)
        decoded = poster_frame(container, stream, duration)
        if decoded is None:
            raise Refused("undecodable")
        rotation = display_rotation(decoded, stream)
        if poster:
            image = decoded.to_image()
            if rotation:
                image = turn_clockwise(image, rotation)
            image.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE))
            write(image.convert("RGB"), poster, "JPEG", quality=85)
        width, height = context.width or decoded.width, context.height or decoded.height
        if rotation in (90, 270):  # shown upright: a portrait phone video is taller than wide
            width, height = height, width
        return {"kind": "video", "video_codec": context.name, "audio_codec": audio, "duration_seconds": duration,
                "width": width, "height": height, "rotation": rotation, "frames": 1}


def display_rotation(frame, stream) -> int:
    """How far a player turns the picture clockwise (0, 90, 180 or 270): the display matrix
    FFmpeg attaches to decoded frames (a phone's track header, "rotation of -90.00 degrees"
    in ffprobe for one held upright), else an old-style ``rotate`` tag. Angles other than
    quarter turns round to the nearest one; mirroring in the matrix is not applied."""
    counterclockwise = getattr(frame, "rotation", 0) or 0  # PyAV: counter-clockwise, in [-180, 180]
    if counterclockwise:
        return round(-counterclockwise / 90) % 4 * 90
    try:
        return round(float(stream.metadata.get("rotate", 0)) / 90) % 4 * 90  # clockwise already
    except (TypeError, ValueError):
        return 0


def write(image, path: str, fmt: str, **options) -> None:
    """Save ``image`` at ``path``; a write that fails (a full disk, the size limit) is told apart
    from a file we cannot read."""
    try:
        image.save(path, fmt, **options)
    except OSError as error:
        if error.errno is not None:
            raise Refused("write_failed", errno=error.errno) from error
        raise


def turn_clockwise(image, degrees: int):
    from PIL import Image

    # Pillow's ROTATE_n turn counter-clockwise.
    turns = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    return image.transpose(turns[degrees])


def poster_frame(container, stream, duration):
    """A frame about a second in (a first frame is often black), decoded from the start."""
    import av

    target = min(1.0, duration / 2)
    chosen = None
    try:
        container.seek(0)
        for index, frame in enumerate(container.decode(stream)):
            chosen = frame
            if index >= DECODE_MAX_FRAMES or (frame.time is not None and frame.time >= target):
                break
    except (av.FFmpegError, OSError, ValueError):
        pass  # frames decoded before the damage still make a poster; none at all is refused
    return chosen


def probe_image(path: str, fmt: str, poster: str | None, max_pixels: int, normalized: str | None = None) -> dict:
    """Measure an image and, when asked, write the copy the site keeps (``normalized``: upright,
    same format, no metadata) and its thumbnail (``poster``). Animations are measured (their
    frame count) but neither kept nor thumbnailed: requirements.check refuses them."""
    from PIL import Image

    # Pillow refuses (or warns about) images above MAX_IMAGE_PIXELS when it reads the header,
    # before anything is decompressed: a 50 KB PNG that inflates to gigabytes stops here.
    Image.MAX_IMAGE_PIXELS = max_pixels
    expected = PIL_FORMATS[fmt]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=[expected]) as image:
                image.verify()
            with Image.open(path, formats=[expected]) as image:
                # An MPO (a JPEG carrying more pictures: some phones' depth maps and previews) is
                # a photo: its first picture is the one every viewer shows. Anything else with
                # several frames is an animation.
                frames = 1 if image.format == "MPO" else int(getattr(image, "n_frames", 1) or 1)
                image.load()
                icc_profile = image.info.get("icc_profile") or None
                transparency = image.info.get("transparency")
                upright = upright_copy(image)  # the opened file (and its metadata) stays behind
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise Refused("too_many_pixels", limit=max_pixels) from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:  # Pillow reports broken files with all of them
            raise Refused("damaged_image", detail=str(error)) from error
    width, height = upright.size
    if frames == 1:
        if normalized:
            save_clean(upright, normalized, expected, icc_profile=icc_profile, transparency=transparency,
                       lossless=fmt == "webp" and webp_is_lossless(path))
        if poster:
            write(thumbnail(upright, icc_profile), poster, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return {"kind": "image", "video_codec": "", "audio_codec": "", "duration_seconds": None,
            "width": width, "height": height, "rotation": 0, "frames": frames}


def upright_copy(image):
    """A new image turned as its EXIF (or XMP) orientation says, carrying no metadata at all:
    ``info`` (EXIF, XMP, text chunks, comments, ICC) and the parsed EXIF stay behind with the
    opened file. Turned in place first, so the pixels are copied once."""
    from PIL import ImageOps

    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # noqa: BLE001, S110 — an unreadable EXIF block (any error): the pixels as stored
        pass
    clean = image.copy()  # a new Image object: info copied (emptied below), no EXIF object
    clean.info = {}
    return clean


def save_clean(image, path: str, fmt: str, *, icc_profile, transparency, lossless: bool) -> None:
    """Write ``image`` as ``fmt`` with nothing but its pixels, its palette and transparency, and
    its ICC profile (colours, not facts about the photo). Pillow writes EXIF, XMP, text
    chunks and comments only when given them (or, for comments, finds them in ``info``,
    which upright_copy emptied)."""
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        if lossless:
            options["lossless"] = True
        else:
            options["quality"] = JPEG_QUALITY
    elif fmt in ("PNG", "GIF") and transparency is not None:
        options["transparency"] = transparency
    write(image, path, fmt, **options)


def webp_is_lossless(path: str) -> bool:
    """Whether a WebP holds its picture losslessly (a VP8L chunk): it is kept so, not turned lossy."""
    with open(path, "rb") as file:
        data = file.read(64 * 1024)
    position = 12
    while position + 8 <= len(data):
        kind, size = data[position:position + 4], int.from_bytes(data[position + 4:position + 8], "little")
        if kind == b"VP8L":
            return True
        if kind == b"VP8 ":
            return False
        position += 8 + size + (size & 1)
    return False


def thumbnail(image, icc_profile):
    """The thumbnail: at most THUMBNAIL_MAX_SIDE on its longer side, in sRGB (through the ICC
    profile when there is one: a CMYK or Display P3 photo keeps its colours), flattened on white."""
    from PIL import Image, ImageCms

    if image.mode == "P" or image.mode in ("LA", "PA"):
        image = image.convert("RGBA")
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode.startswith("I"):  # 16-bit grey: scaled down, not clipped
        image = image.convert("I").point(lambda value: value / 257).convert("L")
    elif image.mode not in ("L", "RGB", "RGBA", "CMYK"):
        image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
    alpha = image.mode == "RGBA"
    if icc_profile:
        try:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)),
                                              ImageCms.createProfile("sRGB"), outputMode="RGBA" if alpha else "RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a profile that does not fit the pixels: converted without it
    if image.mode == "RGBA":
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    return image


def main(argv) -> int:
    kind, path, fmt, poster, max_pixels, seconds = argv[1:7]
    normalized = argv[7] if len(argv) > 7 and argv[7] != "-" else None
    largest = max(POSTER_MAX_BYTES, int(max_pixels) * BYTES_PER_PIXEL_WRITTEN + MIB) if kind == "image" \
        else POSTER_MAX_BYTES
    limit_resources(float(seconds), largest)
    poster = None if poster == "-" else poster
    try:
        if kind == "video":
            result = probe_video(path, fmt, poster)
        else:
            result = probe_image(path, fmt, poster, int(max_pixels), normalized)
        print(json.dumps({"ok": True, **result}))
    except Refused as refused:
        print(json.dumps({"ok": False, "code": refused.code, "details": refused.details}))
    except MemoryError:
        print(json.dumps({"ok": False, "code": "too_big_to_read", "details": {}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
