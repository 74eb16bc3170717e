"""A copy of an original without the metadata that can say where it was made (no Django).

Others download this copy; the original, with its EXIF, GPS, XMP or location tags, stays
with its author. Pixels and streams are untouched: JPEG, PNG and WebP are rewritten chunk by
chunk, audio and video are stream-copied by ffmpeg; only TIFF is re-encoded (losslessly).
"""

import shutil
import struct
from pathlib import Path

from PIL import Image

from hitrec.messages import gettext_noop
from media import ffmpeg
from media.errors import MediaRefused, decoding

# JPEG segments that carry metadata: APP1 (EXIF, XMP), APP13 (IPTC/Photoshop), APP3..APP12
# and APP15 (vendors' blocks), COM (comments). APP0 (JFIF), APP2 (ICC colour profile) and
# APP14 (Adobe colour transform) are needed to show the picture as it was made.
_JPEG_DROP = {0xE1, 0xED, 0xFE} | set(range(0xE3, 0xED)) | {0xEF}
_PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
_WEBP_DROP = {b"EXIF", b"XMP "}


def clean_copy(path: Path, *, kind: str, format: str, dest: Path) -> Path:
    """Write `dest`: the original at `path` without location or other descriptive metadata."""
    if kind == "image":
        with decoding(DAMAGED):
            _image(path, format=format, dest=dest)
    elif kind in ("audio", "video"):
        ffmpeg.run(
            "ffmpeg",
            ["-i", path, "-map", "0:v?", "-map", "0:a?", "-map_metadata", "-1",
             "-map_chapters", "-1", "-c", "copy", "-f", _MUXERS.get(format, format), "-y", dest],
            what="remove the metadata from this file",
            timeout_s=120,
        )  # fmt: skip
    else:
        raise ValueError(f"no clean copy for {kind}")
    return dest


_MUXERS = {"m4a": "ipod", "aac": "adts", "opus": "ogg", "mov": "mov", "mp4": "mp4"}
DAMAGED = gettext_noop(
    "This image is damaged, so hitrec cannot make a copy of it without its metadata."
)


def _image(path: Path, *, format: str, dest: Path) -> None:
    if format == "jpeg":
        _jpeg(path, dest)
    elif format == "png":
        _png(path, dest)
    elif format == "webp":
        _webp(path, dest)
    elif format == "tiff":
        with Image.open(path) as im:
            im.save(dest, "TIFF", compression="tiff_deflate")
    else:  # GIF carries no EXIF; comments are not locations
        shutil.copyfile(path, dest)


def _jpeg(path: Path, dest: Path) -> None:
    data = path.read_bytes()
    if data[:2] != b"\xff\xd8":
        raise MediaRefused(DAMAGED)
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise MediaRefused(DAMAGED)
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the compressed picture follows, copied as it is
            out += data[i:]
            break
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker not in _JPEG_DROP:
            out += data[i : i + 2 + length]
        i += 2 + length
    dest.write_bytes(bytes(out))


def _png(path: Path, dest: Path) -> None:
    data = path.read_bytes()
    out = bytearray(data[:8])
    i = 8
    while i + 8 <= len(data):
        length = struct.unpack(">I", data[i : i + 4])[0]
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if kind not in _PNG_DROP:
            out += data[i:end]
        i = end
    dest.write_bytes(bytes(out))


def _webp(path: Path, dest: Path) -> None:
    data = path.read_bytes()
    chunks = bytearray()
    i = 12
    while i + 8 <= len(data):
        fourcc = data[i : i + 4]
        size = struct.unpack("<I", data[i + 4 : i + 8])[0]
        end = i + 8 + size + (size & 1)
        chunk = bytearray(data[i:end])
        if fourcc == b"VP8X":
            chunk[8] &= ~(0x08 | 0x04) & 0xFF  # the EXIF and XMP flags: no longer present
        if fourcc not in _WEBP_DROP:
            chunks += chunk
        i = end
    dest.write_bytes(b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + bytes(chunks))
