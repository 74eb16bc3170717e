"""Decide what an uploaded file really is from its content, never from its name."""

from __future__ import annotations

import codecs
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from hitrec.messages import gettext_noop
from media import ffmpeg
from media.audio import mutagen_info
from media.errors import MediaRefused, decoding

HEAD_BYTES = 4096
_SCAN_BYTES = 64 * 1024
_TEXT_CHUNK = 64 * 1024
# Text is judged by at most this much: every sensible text limit is far smaller, and a huge
# file must not cost a full read before the size check refuses it.
TEXT_SCAN_BYTES = 16 * 1024 * 1024

ACCEPTED = gettext_noop(
    "images (JPEG, PNG, WebP, GIF, TIFF), audio (MP3, WAV, FLAC, Ogg Vorbis, Opus, M4A/AAC), "
    "video (MP4, WebM, MOV) and UTF-8 plain text or Markdown"
)
EMPTY = gettext_noop("This file is empty (0 bytes). Please upload it again.")
SVG = gettext_noop(
    "This file is an SVG image; SVG can carry scripts, so hitrec does not accept it. "
    "Export it as PNG instead."
)
HTML = gettext_noop(
    "This file is a web page (HTML); web pages can carry scripts, so hitrec does not accept "
    "them. Upload the words as plain text or Markdown instead."
)
XML = gettext_noop(
    "This file is an XML document, which hitrec does not accept. Upload plain text instead."
)
PDF = gettext_noop(
    "This file is a PDF document, which hitrec does not accept. Export pictures as PNG or "
    "JPEG, and words as plain text."
)
EXECUTABLE = gettext_noop(
    "This file is a program (an executable), and hitrec does not accept programs."
)
SCRIPT = gettext_noop(
    "This file is a script (it starts with '#!'), and hitrec does not accept programs."
)
# The whole sentence, so that it is translated as one (ACCEPTED is the same list).
UNKNOWN = gettext_noop(
    "hitrec could not recognise this file's type. It accepts images (JPEG, PNG, WebP, GIF, "
    "TIFF), audio (MP3, WAV, FLAC, Ogg Vorbis, Opus, M4A/AAC), video (MP4, WebM, MOV) and "
    "UTF-8 plain text or Markdown."
)
NOT_UTF8 = gettext_noop(
    "This text file is not in UTF-8. Save it as UTF-8 text and upload it again."
)


@dataclass(frozen=True)
class Sniffed:
    """The real type of a file: kind ("image", "audio", "video", "text"), MIME type, format."""

    kind: str
    mime: str
    format: str
    # ffprobe's answer when sniffing needed it, so processing need not ask again.
    probe: dict[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class _Format:
    kind: str
    mime: str
    name: str  # in English sentences: "This looks like a JPEG image file"
    article: str = "a"

    @property
    def brand(self) -> str:
        """The format's own name, that no language translates: "JPEG", "QuickTime (MOV)"."""
        return self.name.rsplit(" ", 1)[0]


FORMATS = {
    "jpeg": _Format("image", "image/jpeg", "JPEG image"),
    "png": _Format("image", "image/png", "PNG image"),
    "webp": _Format("image", "image/webp", "WebP image"),
    "gif": _Format("image", "image/gif", "GIF image"),
    "tiff": _Format("image", "image/tiff", "TIFF image"),
    "mp3": _Format("audio", "audio/mpeg", "MP3 audio", "an"),
    "wav": _Format("audio", "audio/wav", "WAV audio"),
    "flac": _Format("audio", "audio/flac", "FLAC audio"),
    "aac": _Format("audio", "audio/aac", "AAC audio", "an"),
    "ogg": _Format("audio", "audio/ogg", "Ogg audio", "an"),
    "opus": _Format("audio", "audio/ogg", "Opus audio", "an"),
    "m4a": _Format("audio", "audio/mp4", "M4A audio", "an"),
    "mp4": _Format("video", "video/mp4", "MP4 video", "an"),
    "mov": _Format("video", "video/quicktime", "QuickTime (MOV) video"),
    "webm": _Format("video", "video/webm", "WebM video"),
}
# Magic-byte families that a second look resolves into one of FORMATS.
_FAMILIES = {"isobmff": "mp4", "id3": "mp3"}
_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "tiff": "TIFF", "webp": "WEBP"}


# Translators: %(format)s is the name of a file format, such as ZIP or gzip.
ARCHIVE = gettext_noop(
    "This file is a %(format)s archive, and hitrec does not accept archives. "
    "Upload the files inside it one at a time."
)
HEIF = gettext_noop(
    "This file is a HEIC/AVIF image, which hitrec does not accept. Export it as JPEG or PNG "
    "instead."
)
AVI = gettext_noop(
    "This file is an AVI video, which hitrec does not accept. Export it as MP4 (H.264) or "
    "WebM instead."
)
AIFF = gettext_noop(
    "This file is an AIFF audio file, which hitrec does not accept. Export it as WAV or FLAC "
    "instead."
)
MKV = gettext_noop(
    "This file is a Matroska (MKV) video, which hitrec does not accept. Export it as MP4 "
    "(H.264) or WebM instead."
)
PHOTOSHOP = gettext_noop(
    "This file is a Photoshop document, which hitrec does not accept. Export it as PNG or JPEG "
    "instead."
)
MIDI = gettext_noop(
    "This file is a MIDI file, which hitrec does not accept. Export it as WAV, FLAC or MP3 "
    "audio instead."
)

# Translators: %(format)s is the name of a file format, such as JPEG, MP3 or QuickTime (MOV).
_DAMAGED = {
    ("image", "a"): gettext_noop(
        "This looks like a %(format)s image file, but it is damaged or incomplete, so hitrec "
        "cannot read it."
    ),
    ("audio", "a"): gettext_noop(
        "This looks like a %(format)s audio file, but it is damaged or incomplete, so hitrec "
        "cannot read it."
    ),
    ("audio", "an"): gettext_noop(
        "This looks like an %(format)s audio file, but it is damaged or incomplete, so hitrec "
        "cannot read it."
    ),
    ("video", "a"): gettext_noop(
        "This looks like a %(format)s video file, but it is damaged or incomplete, so hitrec "
        "cannot read it."
    ),
    ("video", "an"): gettext_noop(
        "This looks like an %(format)s video file, but it is damaged or incomplete, so hitrec "
        "cannot read it."
    ),
}
# Translators: %(format)s is the name of a file format, such as JPEG, MP3 or QuickTime (MOV).
_HIDES_ZIP = {
    "image": gettext_noop(
        "This %(format)s image file also hides a ZIP archive inside it, and hitrec does not "
        "accept files that are two things at once. Export it again from the program that made it."
    ),
    "audio": gettext_noop(
        "This %(format)s audio file also hides a ZIP archive inside it, and hitrec does not "
        "accept files that are two things at once. Export it again from the program that made it."
    ),
    "video": gettext_noop(
        "This %(format)s video file also hides a ZIP archive inside it, and hitrec does not "
        "accept files that are two things at once. Export it again from the program that made it."
    ),
}
# Translators: %(format)s is the name of a file format, such as JPEG, MP3 or QuickTime (MOV).
_HIDES_CODE = {
    "image": gettext_noop(
        "This %(format)s image file also hides web-page code (HTML or script) inside it, and "
        "hitrec does not accept files that are two things at once. Export it again from the "
        "program that made it."
    ),
    "audio": gettext_noop(
        "This %(format)s audio file also hides web-page code (HTML or script) inside it, and "
        "hitrec does not accept files that are two things at once. Export it again from the "
        "program that made it."
    ),
    "video": gettext_noop(
        "This %(format)s video file also hides web-page code (HTML or script) inside it, and "
        "hitrec does not accept files that are two things at once. Export it again from the "
        "program that made it."
    ),
}
# Translators: %(format)s is the name of a file format, such as MP4, WebM or Ogg.
_NO_STREAMS = {
    "audio": gettext_noop(
        "This %(format)s audio file contains no audio or video that hitrec can read."
    ),
    "video": gettext_noop(
        "This %(format)s video file contains no audio or video that hitrec can read."
    ),
}


def _known(fmt: str) -> _Format:
    return FORMATS[_FAMILIES.get(fmt, fmt)]


def _damaged(fmt: str, *, detail: str | None = None) -> MediaRefused:
    known = _known(fmt)
    return MediaRefused(_DAMAGED[known.kind, known.article], detail=detail, format=known.brand)


def _hidden(fmt: str, messages: dict[str, str]) -> MediaRefused:
    known = _known(fmt)
    return MediaRefused(messages[known.kind], format=known.brand)


# (offset, magic, reason, its parameters): content hitrec refuses whatever the file is called.
_REFUSED_MAGIC: tuple[tuple[int, bytes, str, dict[str, str]], ...] = (
    (0, b"%PDF-", PDF, {}),
    (0, b"\x7fELF", EXECUTABLE, {}),
    (0, b"\xfe\xed\xfa\xce", EXECUTABLE, {}),
    (0, b"\xfe\xed\xfa\xcf", EXECUTABLE, {}),
    (0, b"\xce\xfa\xed\xfe", EXECUTABLE, {}),
    (0, b"\xcf\xfa\xed\xfe", EXECUTABLE, {}),
    (0, b"\xca\xfe\xba\xbe", EXECUTABLE, {}),  # Mach-O universal binary (and Java classes)
    (0, b"\x00asm", EXECUTABLE, {}),
    (0, b"#!", SCRIPT, {}),
    (0, b"PK\x03\x04", ARCHIVE, {"format": "ZIP"}),
    (0, b"PK\x05\x06", ARCHIVE, {"format": "ZIP"}),
    (0, b"PK\x07\x08", ARCHIVE, {"format": "ZIP"}),
    (0, b"\x1f\x8b", ARCHIVE, {"format": "gzip"}),
    (257, b"ustar", ARCHIVE, {"format": "tar"}),
    (0, b"7z\xbc\xaf\x27\x1c", ARCHIVE, {"format": "7-Zip"}),
    (0, b"Rar!\x1a\x07", ARCHIVE, {"format": "RAR"}),
    (0, b"\xfd7zXZ\x00", ARCHIVE, {"format": "xz"}),
    (0, b"\x28\xb5\x2f\xfd", ARCHIVE, {"format": "Zstandard"}),
    (0, b"8BPS", PHOTOSHOP, {}),
    (0, b"MThd", MIDI, {}),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
_AUDIO_MP4_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_MOV_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_EBML = b"\x1aE\xdf\xa3"
# Ogg streams that are not a single audio track: Theora and Dirac video, OGM, a skeleton.
_OGG_NOT_PLAIN_AUDIO = (b"\x80theora", b"BBCD\x00", b"\x01video", b"fishead\x00")

# Markup a browser would run, looked for in binary media (polyglots) and anywhere in text.
_ACTIVE_MARKUP = re.compile(
    rb"<(?:script|iframe|object|embed|html|svg|frameset|meta|base)[\s/>]|<!doctype\s+html",
    re.IGNORECASE,
)
_SVG_MARKUP = re.compile(rb"<svg[\s/>]", re.IGNORECASE)
# Tags that make a browser take the start of a file for HTML (WHATWG MIME sniffing).
_LEADING_HTML = re.compile(
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body"
    rb"|br|p|!--)[\s>]",
    re.IGNORECASE,
)


def sniff(path: Path) -> Sniffed:
    """The real type of the file at `path`, or `MediaRefused` saying why it is not accepted."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise MediaRefused(EMPTY)
    with path.open("rb") as f:
        head = f.read(_SCAN_BYTES)
    _refuse_by_magic(head)
    fmt = _magic_format(head)
    if fmt == "id3":
        fmt = _format_after_id3(path)
    if fmt is None:
        return _sniff_text(path, head)
    _refuse_hidden_payload(path, head, size, fmt)
    return _confirm(path, fmt)


def sniff_head(first_bytes: bytes) -> str | None:
    """A cheap guess of the kind ("image", "audio", "video", "text") from the first ~4 KiB.

    None means the start is plainly not acceptable, or not recognisable. A guess is not a
    verdict: only `sniff()` on the whole file decodes it.
    """
    head = first_bytes[:HEAD_BYTES]
    if not head:
        return None
    try:
        _refuse_by_magic(head)
    except MediaRefused:
        return None
    fmt = _magic_format(head)
    if fmt == "id3":
        return "audio"
    if fmt == "isobmff":
        return "audio" if head[8:12] in _AUDIO_MP4_BRANDS else "video"
    if fmt == "ogg":
        return "video" if b"\x80theora" in head or b"BBCD\x00" in head else "audio"
    if fmt is not None:
        return FORMATS[fmt].kind
    return "text" if _head_is_text(head) else None


def _refuse_by_magic(head: bytes) -> None:
    for offset, magic, reason, params in _REFUSED_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            raise MediaRefused(reason, **params)
    # DOS/Windows programs; the NUL check spares a text that happens to begin with "MZ".
    if head.startswith(b"MZ") and b"\x00" in head[:64]:
        raise MediaRefused(EXECUTABLE)
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        raise MediaRefused(HEIF)
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        raise MediaRefused(AVI)
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        raise MediaRefused(AIFF)
    if head.startswith(_EBML) and b"webm" not in head[:64] and b"matroska" in head[:64]:
        raise MediaRefused(MKV)
    if _text_start(head).startswith(b"<") and _SVG_MARKUP.search(head[:HEAD_BYTES]):
        raise MediaRefused(SVG)


def _magic_format(head: bytes) -> str | None:
    """The format the first bytes name; the families "id3" and "isobmff" need a second look."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _is_flac(head):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    # Version 2-4, revision 0: a text that merely starts with "ID3" has no NUL there.
    if head.startswith(b"ID3") and head[3:4] in (b"\x02", b"\x03", b"\x04") and head[4:5] == b"\0":
        return "id3"
    if head[4:8] == b"ftyp":
        return "mov" if head[8:12] == b"qt  " else "isobmff"
    # Old QuickTime files open on a bare atom; its size's high byte is 0, unlike text
    # such as "I'm free" whose bytes 4-8 also read "free".
    if head[4:8] in _MOV_ATOMS and (head[0] == 0 or head[4:8] == b"mdat"):
        return "mov"
    if head.startswith(_EBML):
        return "webm"
    return _mpeg_audio_format(head)


def _is_flac(head: bytes) -> bool:
    # "fLaC", then the mandatory 34-byte STREAMINFO block header (type 0, maybe "last").
    return head.startswith(b"fLaC") and head[4:5] in (b"\x00", b"\x80") and head[5:8] == b"\0\0\x22"


def _mpeg_audio_format(head: bytes) -> str | None:
    """MP3 or ADTS AAC from a frame header: sync bits plus fields with legal values."""
    if len(head) < 4 or head[0] != 0xFF:
        return None
    b1, b2 = head[1], head[2]
    if b1 & 0xF6 == 0xF0:  # 12 sync bits and layer 0: AAC in ADTS frames
        return "aac"
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate, rate = b2 >> 4, (b2 >> 2) & 3
    if b1 & 0xE0 == 0xE0 and version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3:
        return "mp3"
    return None


def _format_after_id3(path: Path) -> str:
    """ID3 tags may precede MP3, AAC or FLAC; look at what follows them."""
    offset = 0
    with path.open("rb") as f:
        for _ in range(8):  # files sometimes carry several tags in a row
            f.seek(offset)
            header = f.read(10)
            if not header.startswith(b"ID3") or len(header) < 10:
                break
            offset += 10 + _syncsafe(header[6:10]) + (10 if header[5] & 0x10 else 0)
        f.seek(offset)
        # Encoders pad after tags; decoders scan past the padding, and so does this.
        after = f.read(_SCAN_BYTES)
    if _is_flac(after):
        return "flac"
    start = after.find(b"\xff")
    while start != -1:
        fmt = _mpeg_audio_format(after[start : start + 4])
        if fmt is not None:
            return fmt
        start = after.find(b"\xff", start + 1)
    raise _damaged("mp3")


def _syncsafe(four: bytes) -> int:
    return (four[0] << 21) | (four[1] << 14) | (four[2] << 7) | four[3]


def _refuse_hidden_payload(path: Path, head: bytes, size: int, fmt: str) -> None:
    """Refuse media that is also a ZIP archive, or carries markup a browser would run."""
    with path.open("rb") as f:
        # This checks the end-of-archive record's structure, not only a 4-byte signature.
        if zipfile.is_zipfile(f):
            raise _hidden(fmt, _HIDES_ZIP)
        f.seek(max(0, size - _SCAN_BYTES))
        tail = f.read(_SCAN_BYTES)
    if _ACTIVE_MARKUP.search(head) or _ACTIVE_MARKUP.search(tail):
        raise _hidden(fmt, _HIDES_CODE)


def _confirm(path: Path, fmt: str) -> Sniffed:
    """Have a real decoder agree with the magic bytes."""
    if fmt in _PILLOW_FORMATS:
        return _confirm_image(path, fmt)
    if fmt in ("mp3", "wav", "flac", "aac"):
        return _confirm_audio(path, fmt)
    if fmt == "ogg":
        return _confirm_ogg(path)
    return _confirm_container(path, fmt)


def _confirm_image(path: Path, fmt: str) -> Sniffed:
    expected = _PILLOW_FORMATS[fmt]
    try:
        # Opening reads only the header; pixel limits are process_image's business.
        damaged = _damaged(fmt)
        with decoding(damaged.message, **damaged.params), warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=[expected]) as im:
                opened = im.format
    except Image.DecompressionBombError:
        opened = expected
    if opened not in (expected, "MPO" if fmt == "jpeg" else expected):
        raise _damaged(fmt)
    return _sniffed(fmt)


def _confirm_audio(path: Path, fmt: str) -> Sniffed:
    if mutagen_info(path, fmt) is not None:
        return _sniffed(fmt)
    # mutagen misses some valid variants (RF64, odd WAV codecs); ffprobe has the last word.
    try:
        probe = ffmpeg.probe(path)
    except MediaRefused as exc:
        raise _damaged(fmt, detail=exc.detail) from exc
    if not _audio_streams(probe):
        raise _damaged(fmt)
    return _sniffed(fmt, probe=probe)


def _confirm_ogg(path: Path) -> Sniffed:
    with path.open("rb") as f:
        # Every stream's first page comes before any data, so the head lists them all.
        first_pages = f.read(HEAD_BYTES)
    if any(marker in first_pages for marker in _OGG_NOT_PLAIN_AUDIO):
        return _confirm_container(path, "ogg")
    if b"OpusHead" in first_pages:
        fmt = "opus"
    elif b"\x01vorbis" in first_pages:
        fmt = "ogg"
    else:  # Ogg FLAC, Speex...
        return _confirm_container(path, "ogg")
    if mutagen_info(path, fmt) is None:
        raise _damaged(fmt)
    return _sniffed(fmt)


def _confirm_container(path: Path, fmt: str) -> Sniffed:
    """MP4, MOV, WebM and unusual Ogg hold audio, video or both: ffprobe says which."""
    try:
        probe = ffmpeg.probe(path)
    except MediaRefused as exc:
        raise _damaged(fmt, detail=exc.detail) from exc
    names = set(probe.get("format", {}).get("format_name", "").split(","))
    if fmt == "webm" and "webm" not in names:
        raise MediaRefused(MKV)
    if fmt in ("isobmff", "mov") and "mov" not in names:
        raise _damaged(fmt)
    if _video_streams(probe):
        if fmt == "ogg":
            return Sniffed("video", "video/ogg", "ogg", probe=probe)
        return _sniffed(_FAMILIES.get(fmt, fmt), probe=probe)
    if _audio_streams(probe):
        audio_fmt = "m4a" if fmt in ("isobmff", "mov") else fmt
        mime = {"m4a": "audio/mp4", "webm": "audio/webm", "ogg": "audio/ogg"}[audio_fmt]
        return Sniffed("audio", mime, audio_fmt, probe=probe)
    known = _known(fmt)
    raise MediaRefused(_NO_STREAMS[known.kind], format=known.brand)


def _video_streams(probe: dict[str, Any]) -> list[dict[str, Any]]:
    # Cover art in audio files shows up as a one-picture "video" stream.
    return [
        s
        for s in probe.get("streams", [])
        if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
    ]


def _audio_streams(probe: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in probe.get("streams", []) if s.get("codec_type") == "audio"]


def _sniffed(fmt: str, *, probe: dict[str, Any] | None = None) -> Sniffed:
    known = FORMATS[fmt]
    return Sniffed(known.kind, known.mime, fmt, probe=probe)


def _sniff_text(path: Path, head: bytes) -> Sniffed:
    """UTF-8 without NUL bytes is text, unless it is markup a browser would render."""
    if b"\x00" in head:
        raise MediaRefused(UNKNOWN)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise MediaRefused(NOT_UTF8)
    _refuse_markup(head)
    decoder = codecs.getincrementaldecoder("utf-8")()
    previous, scanned = b"", 0
    with path.open("rb") as f:
        while scanned < TEXT_SCAN_BYTES and (chunk := f.read(_TEXT_CHUNK)):
            scanned += len(chunk)
            if b"\x00" in chunk:
                raise MediaRefused(UNKNOWN)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise MediaRefused(NOT_UTF8) from exc
            # Overlap the chunks so that a tag split across two reads is still found.
            _refuse_markup(previous[-64:] + chunk, at_start=False)
            previous = chunk
        complete = not f.read(1)
    if complete:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise MediaRefused(NOT_UTF8) from exc
    return Sniffed("text", "text/plain", "text")


def _refuse_markup(data: bytes, *, at_start: bool = True) -> None:
    if at_start:
        start = _text_start(data)
        if start.startswith(b"<") and _SVG_MARKUP.search(data[:HEAD_BYTES]):
            raise MediaRefused(SVG)
        if _LEADING_HTML.match(start):
            raise MediaRefused(HTML)
        if start.startswith(b"<?xml"):
            raise MediaRefused(XML)
    found = _ACTIVE_MARKUP.search(data)
    if found:
        raise MediaRefused(SVG if found.group().lower().startswith(b"<svg") else HTML)


def _text_start(data: bytes) -> bytes:
    return data.removeprefix(codecs.BOM_UTF8).lstrip()[:64].lower()


def _head_is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        _refuse_markup(head)
        # A 4 KiB cut may split a character; the decoder waits for the rest instead of failing.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except (MediaRefused, UnicodeDecodeError):
        return False
    return True
