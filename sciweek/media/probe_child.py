"""The part of probing that runs FFmpeg or decodes pixels, in a child process of its own.

Started by probe.py as ``python -I probe_child.py <kind> <path> <format> <poster or -> <max pixels>``
and killed after MEDIA_PROBE_TIMEOUT: a hostile file can crash or hang only this process.
It imports neither Django nor the project, prints one JSON object, and limits its own memory,
CPU time and the size of what it writes. The parent (probe.py) has already sniffed the
file's leading bytes and names the one demuxer FFmpeg may use; nothing here opens the
network or a file the upload names (``protocol_whitelist=file``, ``format_whitelist``).
"""
import json
import resource
import sys
import warnings

# format name (probe.py) -> the FFmpeg demuxer that reads it (its full name, for format_whitelist)
DEMUXERS = {"mov": "mov,mp4,m4a,3gp,3g2,mj2", "matroska": "matroska,webm", "avi": "avi", "mpegts": "mpegts"}
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
POSTER_MAX_SIDE = 1280
DECODE_MAX_FRAMES = 300  # frames decoded at most while looking for the poster frame


class Refused(Exception):
    def __init__(self, code, **details):
        super().__init__(code)
        self.code, self.details = code, details


def limit_resources(seconds: float) -> None:
    gib = 1024 ** 3
    resource.setrlimit(resource.RLIMIT_AS, (3 * gib, 3 * gib))
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024 * 1024, 32 * 1024 * 1024))  # the poster only


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
        if poster:
            image = decoded.to_image()
            image.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE))
            image.convert("RGB").save(poster, "JPEG", quality=85)
        return {"kind": "video", "video_codec": context.name, "audio_codec": audio, "duration_seconds": duration,
                "width": context.width or decoded.width, "height": context.height or decoded.height}


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


def probe_image(path: str, fmt: str, poster: str | None, max_pixels: int) -> dict:
    from PIL import Image

    # Pillow refuses (or warns about) images above MAX_IMAGE_PIXELS when it reads the header,
    # before anything is decompressed: a 50 KB PNG that inflates to gigabytes stops here.
    Image.MAX_IMAGE_PIXELS = max_pixels
    expected = PIL_FORMATS[fmt]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=[expected]) as image:
                width, height = image.size
                image.verify()
            with Image.open(path, formats=[expected]) as image:
                image.load()
                if poster:
                    image.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE))
                    if image.mode not in ("RGB", "L"):
                        image = image.convert("RGBA")
                        flat = Image.new("RGB", image.size, (255, 255, 255))
                        flat.paste(image, mask=image.getchannel("A"))
                        image = flat
                    image.save(poster, "JPEG", quality=85)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise Refused("too_many_pixels", limit=max_pixels) from error
        except (OSError, SyntaxError, ValueError) as error:  # Pillow reports broken files with all three
            raise Refused("damaged_image", detail=str(error)) from error
    return {"kind": "image", "video_codec": "", "audio_codec": "", "duration_seconds": None,
            "width": width, "height": height}


def main(argv) -> int:
    kind, path, fmt, poster, max_pixels, seconds = argv[1:7]
    limit_resources(float(seconds))
    poster = None if poster == "-" else poster
    try:
        if kind == "video":
            result = probe_video(path, fmt, poster)
        else:
            result = probe_image(path, fmt, poster, int(max_pixels))
        print(json.dumps({"ok": True, **result}))
    except Refused as refused:
        print(json.dumps({"ok": False, "code": refused.code, "details": refused.details}))
    except MemoryError:
        print(json.dumps({"ok": False, "code": "too_big_to_read", "details": {}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
