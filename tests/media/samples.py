"""Generate small real media files (good and hostile) for the pipeline's tests."""

from __future__ import annotations

import io
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

from PIL import ExifTags, Image

SINE_AMPLITUDE = 0.5
SINE_SECONDS = 2.0
VIDEO_SECONDS = 2.0
VIDEO_SIZE = (320, 240)
# A stored 400 × 200 photo whose camera was turned: EXIF orientation 6 shows it as 200 × 400.
ROTATED_STORED_SIZE = (400, 200)
LARGE_JPEG_SIZE = (2400, 1800)
LOCATION = "+52.3700+004.8900/"
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (52.0, 22.0, 5.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (4.0, 53.0, 1.0),
}


def ffmpeg(*args: str | Path) -> None:
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *map(str, args)]
    subprocess.run(argv, check=True, capture_output=True, timeout=60)


# Images


def quadrant_image(size: tuple[int, int]) -> Image.Image:
    """Red top-left quadrant on blue, so rotation can be read back from the pixels."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1] // 2))
    return image


def rotated_jpeg_with_gps(directory: Path) -> Path:
    path = directory / "rotated-gps.jpg"
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # display rotated 90° clockwise
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.IFD.GPSInfo] = GPS
    image = quadrant_image(ROTATED_STORED_SIZE)
    image.save(path, "JPEG", exif=exif, comment=b"Shot at 12 Elm Street", quality=95)
    return path


def large_jpeg(directory: Path) -> Path:
    path = directory / "large.jpg"
    quadrant_image(LARGE_JPEG_SIZE).save(path, "JPEG", quality=85)
    return path


def small_png(directory: Path) -> Path:
    path = directory / "small.png"
    image = Image.new("RGBA", (120, 80), (0, 128, 0, 128))
    image.save(path, "PNG")
    return path


def noisy_png(directory: Path) -> Path:
    """A PNG whose compressed data is most of the file, so damage lands in the data stream."""
    path = directory / "noise.png"
    Image.effect_noise((160, 120), 64).convert("RGB").save(path, "PNG")
    return path


def webp(directory: Path) -> Path:
    path = directory / "picture.webp"
    quadrant_image((640, 480)).save(path, "WEBP")
    return path


def tiff(directory: Path) -> Path:
    path = directory / "scan.tiff"
    quadrant_image((500, 300)).save(path, "TIFF")
    return path


def jpeg_in_tiff(directory: Path) -> Path:
    """A TIFF whose strips are JPEG-compressed (compression 7), as scanners write them."""
    path = directory / "scan-jpeg.tiff"
    quadrant_image((320, 240)).save(path, "TIFF", compression="jpeg")
    return path


def old_style_jpeg_in_tiff(directory: Path) -> Path:
    """The same file claiming TIFF 6.0's old-style JPEG (compression 6), which libtiff only
    half supports: old scanners and faxes still produce it."""
    data = bytearray(jpeg_in_tiff(directory).read_bytes())
    path = directory / "scan-ojpeg.tiff"
    little = data[:2] == b"II"
    order = "<" if little else ">"
    (ifd,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[ifd : ifd + 2])
    for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
        tag, kind = struct.unpack(order + "HH", data[entry : entry + 4])
        if tag == 259:  # Compression, a SHORT stored in the entry itself
            data[entry + 8 : entry + 10] = struct.pack(order + "H", 6)
    path.write_bytes(bytes(data))
    return path


def animated_gif(directory: Path) -> Path:
    """Three frames: red, green, blue; only the red first frame should become a thumbnail."""
    path = directory / "animated.gif"
    frames = [Image.new("RGB", (300, 200), colour) for colour in ("red", "lime", "blue")]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


def png_bomb(directory: Path) -> Path:
    """A 100 000 × 100 000 PNG header in under 100 bytes: decoding it would need 30 GB."""
    path = directory / "bomb.png"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
    path.write_bytes(data + chunk(b"IEND", b""))
    return path


def truncated_jpeg(directory: Path) -> Path:
    source = io.BytesIO()
    quadrant_image((800, 600)).save(source, "JPEG")
    path = directory / "truncated.jpg"
    path.write_bytes(source.getvalue()[: len(source.getvalue()) * 6 // 10])
    return path


def png_named_mp3(directory: Path) -> Path:
    path = directory / "song.mp3"
    quadrant_image((64, 64)).save(path, "PNG")
    return path


# Hostile and refused files


def zero_bytes(directory: Path) -> Path:
    path = directory / "empty.jpg"
    path.write_bytes(b"")
    return path


def svg_with_script(directory: Path) -> Path:
    path = directory / "logo.png"
    path.write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        "<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>\n"
    )
    return path


def html_page(directory: Path) -> Path:
    path = directory / "notes.txt"
    path.write_text("<!DOCTYPE html>\n<html><body><p>Hello</p></body></html>\n")
    return path


def html_looking_text(directory: Path) -> Path:
    path = directory / "lyrics.md"
    path.write_text("<div>\nverse one\n</div>\n")
    return path


def html_jpeg_polyglot(directory: Path) -> Path:
    """A valid JPEG whose comment segment is a web page that a sniffing browser would run."""
    path = directory / "polyglot.jpg"
    comment = b"<html><script>alert(document.domain)</script></html>"
    quadrant_image((64, 64)).save(path, "JPEG", comment=comment)
    return path


def jpeg_with_zip(directory: Path) -> Path:
    path = directory / "hidden-zip.jpg"
    picture = io.BytesIO()
    quadrant_image((64, 64)).save(picture, "JPEG")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.txt", "hello")
    path.write_bytes(picture.getvalue() + archive.getvalue())
    return path


def id3_without_audio(directory: Path) -> Path:
    """An ID3 tag followed by noise: it claims to be an MP3 but holds no audio frames."""
    path = directory / "broken.mp3"
    tag = b"ID3\x03\x00\x00" + bytes([0, 0, 0, 10]) + b"TIT2" + bytes([0, 0, 0, 0, 0, 0])
    path.write_bytes(tag + bytes(range(0, 250, 3)) * 40)
    return path


def elf_binary(directory: Path) -> Path:
    path = directory / "track.wav"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56)
    return path


def windows_exe(directory: Path) -> Path:
    path = directory / "cover.jpg"
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00")
    return path


def shell_script(directory: Path) -> Path:
    path = directory / "readme.txt"
    path.write_text("#!/bin/sh\nrm -rf ~\n")
    return path


def zip_archive(directory: Path) -> Path:
    path = directory / "album.mp3"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("one.txt", "one")
    return path


def pdf(directory: Path) -> Path:
    path = directory / "score.txt"
    path.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    return path


def latin1_text(directory: Path) -> Path:
    path = directory / "poem.txt"
    path.write_bytes("Déjà vu, à la française".encode("latin-1"))
    return path


def random_binary(directory: Path) -> Path:
    path = directory / "mystery.bin"
    path.write_bytes(bytes(range(256)) * 8)
    return path


# Audio: half-scale 440 Hz sine, so the waveform's peaks are known in advance


def _sine(directory: Path, name: str, *codec: str) -> Path:
    path = directory / name
    source = f"aevalsrc={SINE_AMPLITUDE}*sin(2*PI*440*t):s=44100:d={SINE_SECONDS}"
    ffmpeg("-f", "lavfi", "-i", source, *codec, path)
    return path


def wav(directory: Path) -> Path:
    return _sine(directory, "tone.wav", "-c:a", "pcm_s16le")


def mp3_with_id3(directory: Path) -> Path:
    return _sine(directory, "tone.mp3", "-c:a", "libmp3lame", "-b:a", "128k",
                 "-metadata", "title=Tone", "-id3v2_version", "3")  # fmt: skip


def mp3_without_id3(directory: Path) -> Path:
    return _sine(directory, "bare.mp3", "-c:a", "libmp3lame", "-b:a", "128k",
                 "-id3v2_version", "0", "-write_id3v1", "0", "-write_xing", "0")  # fmt: skip


def flac(directory: Path) -> Path:
    return _sine(directory, "tone.flac", "-c:a", "flac", "-metadata", "comment=Made at Elm Street")


def opus(directory: Path) -> Path:
    return _sine(directory, "tone.opus", "-c:a", "libopus", "-b:a", "64k", "-f", "ogg")


def vorbis(directory: Path) -> Path:
    return _sine(directory, "tone.ogg", "-c:a", "libvorbis", "-q:a", "3")


def m4a(directory: Path) -> Path:
    return _sine(directory, "tone.m4a", "-c:a", "aac", "-b:a", "96k", "-f", "ipod")


def aac_adts(directory: Path) -> Path:
    return _sine(directory, "tone.aac", "-c:a", "aac", "-b:a", "96k", "-f", "adts")


def webm_audio(directory: Path) -> Path:
    return _sine(directory, "tone.webm", "-c:a", "libopus", "-b:a", "64k", "-f", "webm")


def mp4_audio_only(directory: Path) -> Path:
    """Audio in a plain video-branded MP4: only probing the streams tells it is audio."""
    return _sine(directory, "voice.mp4", "-c:a", "aac", "-b:a", "96k", "-f", "mp4")


# Video: colour bars with a tone


def _video(directory: Path, name: str, *codec: str) -> Path:
    path = directory / name
    width, height = VIDEO_SIZE
    picture = f"testsrc=size={width}x{height}:rate=25:duration={VIDEO_SECONDS}"
    tone = f"sine=frequency=440:duration={VIDEO_SECONDS}"
    ffmpeg("-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", tone, *codec, "-shortest", path)
    return path


def mp4_h264(directory: Path) -> Path:
    return _video(directory, "clip.mp4", "-c:v", "libx264", "-preset", "ultrafast",
                  "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mp4")  # fmt: skip


def mp4_mpeg4(directory: Path) -> Path:
    """An MP4 that browsers will not play: MPEG-4 Part 2 video, as old cameras made."""
    return _video(directory, "old-camera.mp4", "-c:v", "mpeg4", "-c:a", "aac", "-f", "mp4")


def ogg_theora(directory: Path) -> Path:
    return _video(directory, "clip.ogv", "-c:v", "libtheora", "-q:v", "5", "-c:a", "libvorbis",
                  "-f", "ogg")  # fmt: skip


def webm_vp8(directory: Path) -> Path:
    return _video(directory, "clip.webm", "-c:v", "libvpx", "-deadline", "realtime",
                  "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus", "-f", "webm")  # fmt: skip


def mov_h264(directory: Path) -> Path:
    """QuickTime, as phones record it: with the place it was filmed in its metadata."""
    return _video(directory, "clip.mov", "-c:v", "libx264", "-preset", "ultrafast",
                  "-pix_fmt", "yuv420p", "-c:a", "aac", "-metadata", f"location={LOCATION}",
                  "-f", "mov")  # fmt: skip


def mkv(directory: Path) -> Path:
    return _video(directory, "clip.mkv", "-c:v", "libx264", "-preset", "ultrafast",
                  "-c:a", "aac", "-f", "matroska")  # fmt: skip


def truncated_mp4(directory: Path) -> Path:
    whole = _video(directory, "whole.mp4", "-c:v", "libx264", "-preset", "ultrafast").read_bytes()
    path = directory / "truncated.mp4"
    path.write_bytes(whole[: len(whole) // 3])
    return path


# Text


def markdown(directory: Path) -> Path:
    path = directory / "story.md"
    path.write_text(
        "# The Lighthouse\n\nShe kept the *lamp* burning for [forty years](https://example.org)."
        "\n\n- storms\n- ships\n",
        encoding="utf-8",
    )
    return path
