"""sniff() names a file's real type from its content, and refuses what hitrec does not accept."""

import shutil

import pytest

from media.errors import MediaRefused
from media.sniff import HEAD_BYTES, Sniffed, sniff, sniff_head


@pytest.mark.parametrize(
    ("name", "kind", "mime", "fmt"),
    [
        ("rotated_jpeg_with_gps", "image", "image/jpeg", "jpeg"),
        ("small_png", "image", "image/png", "png"),
        ("webp", "image", "image/webp", "webp"),
        ("animated_gif", "image", "image/gif", "gif"),
        ("tiff", "image", "image/tiff", "tiff"),
        ("wav", "audio", "audio/wav", "wav"),
        ("mp3_with_id3", "audio", "audio/mpeg", "mp3"),
        ("mp3_without_id3", "audio", "audio/mpeg", "mp3"),
        ("flac", "audio", "audio/flac", "flac"),
        ("opus", "audio", "audio/ogg", "opus"),
        ("vorbis", "audio", "audio/ogg", "ogg"),
        ("m4a", "audio", "audio/mp4", "m4a"),
        ("aac_adts", "audio", "audio/aac", "aac"),
        ("webm_audio", "audio", "audio/webm", "webm"),
        ("mp4_audio_only", "audio", "audio/mp4", "m4a"),
        ("mp4_h264", "video", "video/mp4", "mp4"),
        ("webm_vp8", "video", "video/webm", "webm"),
        ("mov_h264", "video", "video/quicktime", "mov"),
        ("ogg_theora", "video", "video/ogg", "ogg"),
        ("markdown", "text", "text/plain", "text"),
    ],
)
def test_accepted_files_are_named_by_content(sample, name, kind, mime, fmt):
    assert sniff(sample(name)) == Sniffed(kind, mime, fmt)


def test_the_file_name_does_not_matter(sample, tmp_path):
    assert sniff(sample("png_named_mp3")).mime == "image/png"

    audio_called_jpeg = tmp_path / "holiday.jpg"
    shutil.copy(sample("mp3_with_id3"), audio_called_jpeg)
    assert sniff(audio_called_jpeg).mime == "audio/mpeg"


def test_audio_in_a_video_container_is_audio_only_when_probing_says_so(sample):
    # Both start with an ISO "ftyp" box; only the streams inside tell them apart.
    assert sniff(sample("mp4_audio_only")).kind == "audio"
    assert sniff(sample("mp4_h264")).kind == "video"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("zero_bytes", "empty"),
        ("svg_with_script", "SVG can carry scripts"),
        ("html_page", "web page (HTML)"),
        ("html_looking_text", "web page (HTML)"),
        ("html_jpeg_polyglot", "hides web-page code"),
        ("jpeg_with_zip", "hides a ZIP archive"),
        ("elf_binary", "program (an executable)"),
        ("windows_exe", "program (an executable)"),
        ("shell_script", "script"),
        ("zip_archive", "ZIP archive"),
        ("pdf", "PDF document"),
        ("latin1_text", "not in UTF-8"),
        ("random_binary", "could not recognise"),
        ("mkv", "Matroska"),
        ("truncated_mp4", "damaged or incomplete"),
        ("id3_without_audio", "damaged or incomplete"),
    ],
)
def test_refused_files_get_a_sentence_saying_why(sample, name, words):
    with pytest.raises(MediaRefused) as refused:
        sniff(sample(name))

    assert words in refused.value.reason
    assert refused.value.reason.endswith(".")
    assert str(sample(name).parent) not in refused.value.reason


def test_text_with_a_script_tag_far_from_the_start_is_refused(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("A quiet story.\n" * 10_000 + "<script>steal()</script>\n")

    with pytest.raises(MediaRefused, match="web page"):
        sniff(path)


@pytest.mark.parametrize(
    "opening",
    ["I'm free as a bird", "MZ Records presents", "ID3 tags explained", "fLaCk and fLaCk"],
)
def test_text_that_starts_like_a_binary_signature_is_still_text(tmp_path, opening):
    path = tmp_path / "lyrics.txt"
    path.write_text(f"{opening}, and the rest of the words.\n")

    assert sniff(path).kind == "text"


def test_markdown_with_harmless_inline_html_is_text(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("Some **bold** words and a <b>bold</b> word, 3 < 4.\n")

    assert sniff(path).kind == "text"


def test_utf8_text_with_a_byte_order_mark_is_text(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffCafé au lait".encode())

    assert sniff(path).kind == "text"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("large_jpeg", "image"),
        ("small_png", "image"),
        ("mp3_with_id3", "audio"),
        ("mp3_without_id3", "audio"),
        ("wav", "audio"),
        ("flac", "audio"),
        ("opus", "audio"),
        ("m4a", "audio"),
        ("mp4_h264", "video"),
        ("webm_vp8", "video"),
        ("mov_h264", "video"),
        ("ogg_theora", "video"),
        ("markdown", "text"),
        ("svg_with_script", None),
        ("html_page", None),
        ("elf_binary", None),
        ("zip_archive", None),
        ("pdf", None),
        ("random_binary", None),
        ("zero_bytes", None),
    ],
)
def test_sniff_head_guesses_the_kind_from_the_first_bytes(sample, name, kind):
    head = sample(name).read_bytes()[:HEAD_BYTES]

    assert sniff_head(head) == kind


def test_sniff_head_accepts_text_cut_in_the_middle_of_a_character():
    head = ("é" * HEAD_BYTES).encode()[: HEAD_BYTES - 1]  # ends on half of a two-byte "é"

    assert sniff_head(head) == "text"
