"""process_image(): oriented, metadata-free WebP and JPEG thumbnails, one reduced-scale decode."""

import os
import time

import pytest
from PIL import Image

from media import images
from media.errors import MediaRefused
from media.images import process_image
from tests.media import samples

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def close_to(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_a_large_jpeg_gets_webp_and_jpeg_renditions_at_each_size(sample, out_dir):
    result = process_image(sample("large_jpeg"), out_dir=out_dir)

    assert (result.width, result.height, result.format) == (2400, 1800, "jpeg")
    assert [(r.name, r.mime, r.width, r.height) for r in result.renditions] == [
        ("thumb-256.webp", "image/webp", 256, 192),
        ("thumb-256.jpg", "image/jpeg", 256, 192),
        ("thumb-768.webp", "image/webp", 768, 576),
        ("thumb-768.jpg", "image/jpeg", 768, 576),
        ("thumb-1600.webp", "image/webp", 1600, 1200),
        ("thumb-1600.jpg", "image/jpeg", 1600, 1200),
    ]
    for rendition in result.renditions:
        assert rendition.path == out_dir / rendition.name
        assert rendition.size_bytes == rendition.path.stat().st_size
        assert rendition.role == "thumbnail"
        with Image.open(rendition.path) as im:
            assert im.format == rendition.name.rsplit(".", 1)[1].upper().replace("JPG", "JPEG")
            assert im.size == (rendition.width, rendition.height)


def test_exif_orientation_is_applied_to_size_and_pixels(sample, out_dir):
    # Stored landscape 400 × 200 with its red quadrant top-left; orientation 6 turns it
    # a quarter clockwise, so people see a 200 × 400 portrait with red at the top right.
    result = process_image(sample("rotated_jpeg_with_gps"), out_dir=out_dir)

    assert (result.width, result.height) == (200, 400)
    for rendition in result.renditions:
        with Image.open(rendition.path) as im:
            rgb = im.convert("RGB")
            w, h = rgb.size
            assert h > w
            assert close_to(rgb.getpixel((w * 3 // 4, h // 4)), RED)
            assert close_to(rgb.getpixel((w // 4, h // 4)), BLUE)


def test_renditions_carry_no_exif_gps_or_camera_details(sample, out_dir):
    original = sample("rotated_jpeg_with_gps").read_bytes()
    assert b"TestCam" in original and b"Elm Street" in original  # the sample carries them

    result = process_image(sample("rotated_jpeg_with_gps"), out_dir=out_dir)

    for rendition in result.renditions:
        data = rendition.path.read_bytes()
        assert b"Exif" not in data
        assert b"TestCam" not in data
        assert b"Elm Street" not in data
        with Image.open(rendition.path) as im:
            assert dict(im.getexif()) == {}
            assert "icc_profile" not in im.info
            assert "comment" not in im.info


def test_jpeg_is_decoded_at_reduced_scale_for_small_thumbnails(sample, out_dir):
    result = process_image(sample("large_jpeg"), out_dir=out_dir, sizes=(256,))

    # 2400 × 1800 drafted at 1/8 scale: the decoder never produced the full-size pixels.
    assert result.decoded_size == (300, 225)
    assert [r.width for r in result.renditions] == [256, 256]


def test_the_largest_rendition_drives_the_draft_scale(sample, out_dir):
    result = process_image(sample("large_jpeg"), out_dir=out_dir, sizes=(128, 600))

    # 1/4 scale (600 × 450) still covers 600 px; 1/8 (300 × 225) would not.
    assert result.decoded_size == (600, 450)


def test_the_jpeg_is_decoded_once_for_all_sizes(sample, out_dir, monkeypatch):
    decoders = []
    real_getdecoder = Image._getdecoder

    def counting_getdecoder(mode, decoder_name, *args, **kwargs):
        decoders.append(decoder_name)
        return real_getdecoder(mode, decoder_name, *args, **kwargs)

    monkeypatch.setattr(Image, "_getdecoder", counting_getdecoder)

    process_image(sample("large_jpeg"), out_dir=out_dir)

    assert decoders == ["jpeg"]


def test_images_are_never_upscaled(sample, out_dir):
    result = process_image(sample("small_png"), out_dir=out_dir)

    # 120 × 80 is smaller than every size: one pair of renditions at its own size.
    assert [(r.name, r.width, r.height) for r in result.renditions] == [
        ("thumb-256.webp", 120, 80),
        ("thumb-256.jpg", 120, 80),
    ]


def test_transparency_survives_in_webp_and_is_flattened_in_jpeg(sample, out_dir):
    result = process_image(sample("small_png"), out_dir=out_dir)
    webp, jpeg = result.renditions

    with Image.open(webp.path) as im:
        assert im.mode == "RGBA"
        assert im.getpixel((10, 10))[3] == 128
    with Image.open(jpeg.path) as im:
        assert im.mode == "RGB"


def test_an_animated_gif_is_represented_by_its_first_frame(sample, out_dir):
    result = process_image(sample("animated_gif"), out_dir=out_dir)

    assert (result.width, result.height, result.format) == (300, 200, "gif")
    for rendition in result.renditions:
        with Image.open(rendition.path) as im:
            assert getattr(im, "n_frames", 1) == 1
            assert close_to(im.convert("RGB").getpixel((50, 50)), RED)


@pytest.mark.parametrize("name", ["webp", "tiff"])
def test_webp_and_tiff_originals_are_processed(sample, out_dir, name):
    result = process_image(sample(name), out_dir=out_dir)

    assert result.renditions
    assert all(r.path.exists() for r in result.renditions)


def test_a_decompression_bomb_is_refused_from_its_header_alone(sample, out_dir):
    started = time.perf_counter()
    with pytest.raises(MediaRefused, match="too large") as refused:
        process_image(sample("png_bomb"), out_dir=out_dir)

    assert time.perf_counter() - started < 0.5
    assert "megapixels" in refused.value.reason
    assert not out_dir.exists() or os.listdir(out_dir) == []


def test_the_pixel_limit_is_configurable_and_named_in_the_reason(sample, out_dir):
    with pytest.raises(MediaRefused) as refused:
        process_image(sample("large_jpeg"), out_dir=out_dir, max_pixels=1_000_000)

    assert "2,400 × 1,800 pixels" in refused.value.reason
    assert "up to 1 megapixels" in refused.value.reason


def test_a_truncated_jpeg_is_refused_and_leaves_nothing_behind(sample, out_dir):
    with pytest.raises(MediaRefused, match="damaged or incomplete"):
        process_image(sample("truncated_jpeg"), out_dir=out_dir)

    assert not out_dir.exists() or os.listdir(out_dir) == []


def test_a_failure_half_way_leaves_no_renditions_behind(sample, out_dir, monkeypatch):
    real_save = images._save

    def save_then_fail_on_jpeg(im, dest, fmt, mime):
        if fmt == "JPEG":
            raise MediaRefused("simulated failure after the WebP was written")
        return real_save(im, dest, fmt, mime)

    monkeypatch.setattr(images, "_save", save_then_fail_on_jpeg)

    with pytest.raises(MediaRefused, match="simulated"):
        process_image(sample("large_jpeg"), out_dir=out_dir)

    assert os.listdir(out_dir) == []


def test_processing_twice_gives_the_same_files(sample, tmp_path):
    first = process_image(sample("large_jpeg"), out_dir=tmp_path / "a")
    second = process_image(sample("large_jpeg"), out_dir=tmp_path / "a")

    assert [(r.name, r.size_bytes) for r in first.renditions] == [
        (r.name, r.size_bytes) for r in second.renditions
    ]
    assert sorted(os.listdir(tmp_path / "a")) == sorted(r.name for r in second.renditions)


def test_sample_geometry_matches_the_assumptions_above():
    # Guards the numbers the tests above rely on.
    assert samples.LARGE_JPEG_SIZE == (2400, 1800)
    assert samples.ROTATED_STORED_SIZE == (400, 200)
