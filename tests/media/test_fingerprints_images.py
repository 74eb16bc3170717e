"""Picture fingerprints: each copy a remixer makes is found, unrelated pictures are not."""

import itertools
import random

import pytest
from PIL import ExifTags, Image

from media.fingerprints import FingerprintUnavailable, Match, chunks, hamming, image_hashes
from media.fingerprints import images as image_fp
from media.images import process_image
from tests.media import fingerprint_samples as fs

SOURCES = 20
# The target for each single transform: recall of at least 0.95.
MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def sources():
    """Twenty distinct pictures, as uploaded (JPEG quality 90), with their hashes."""
    pictures = [fs.jpeg(fs.picture(seed, (800, 600))) for seed in range(SOURCES)]
    return [(picture, image_fp.image_hashes(picture)) for picture in pictures]


def looked_up_as_a_copy(source, copy):
    """The copy looked up: its probes' keys among the source's, its probes against the
    source's kept centre."""
    shared = set(image_fp.index_keys(source)) & image_fp.probe_keys(copy)
    return shared, image_fp.match(source.phash, source.dhash, copy)


def looked_up_as_the_source(source, copy):
    """The source looked up after the copy (`manage.py fingerprint` may reach it later), of
    which only the centre's hashes are kept: the source cut the ways the copy may have cut
    it, against the copy's kept centre."""
    shared = set(image_fp.index_keys(copy)) & image_fp.copy_centre_keys(source)
    return shared, image_fp.match_copy(copy.phash, copy.dhash, source)


@pytest.mark.parametrize("look_up", [looked_up_as_a_copy, looked_up_as_the_source])
@pytest.mark.parametrize("transform", list(fs.IMAGE_TRANSFORMS))
def test_each_transform_of_a_picture_is_found_either_way(sources, transform, look_up):
    make = fs.IMAGE_TRANSFORMS[transform]
    found = 0
    for picture, source in sources:
        copy = image_fp.image_hashes(make(picture))
        # Through the index first (enough shared chunk keys), then the exact comparison.
        shared, result = look_up(source, copy)
        found += len(shared) >= image_fp.CANDIDATE_KEYS and result is not None

    assert found / SOURCES >= MIN_RECALL, f"{transform}: {found}/{SOURCES}"


def test_a_source_found_from_its_side_says_where_in_the_copy_as_the_copy_would():
    picture = fs.jpeg(fs.picture(3, (800, 600)))
    source, copy = image_fp.image_hashes(picture), image_fp.image_hashes(fs.cropped(picture))

    forward = image_fp.match(source.phash, source.dhash, copy)
    backward = image_fp.match_copy(copy.phash, copy.dhash, source)

    assert forward is not None and backward is not None
    truth = ((0.1 - 0.06) / 0.9, (0.1 - 0.03) / 0.9, (0.9 - 0.06) / 0.9, (0.9 - 0.03) / 0.9)
    assert all(abs(a - b) < 0.04 for a, b in zip(backward.image_region, truth, strict=True))
    assert abs(backward.image_distance - forward.image_distance) <= 8
    # A mirrored copy is found by the source's mirror image, which its centre alone is not.
    mirrored = image_fp.image_hashes(fs.mirrored(picture))
    found = image_fp.match_copy(mirrored.phash, mirrored.dhash, source)
    assert found is not None and found.mirrored
    centre_only = image_fp.ImageHashes(source.phash, source.dhash, ())
    assert image_fp.match_copy(mirrored.phash, mirrored.dhash, centre_only) is None


def test_unrelated_pictures_and_their_copies_do_not_match(sources):
    # Each picture as uploaded and two of its copies, against every other picture.
    uploads = [
        [image_fp.image_hashes(make(picture)) for make in (lambda p: p, fs.cropped, fs.captioned)]
        for picture, _ in sources
    ]
    pairs = [
        (upload, stored)
        for (i, (_, stored)), (j, copies) in itertools.product(
            enumerate(sources), enumerate(uploads)
        )
        if i != j
        for upload in copies
    ]
    false_matches = [p for p in pairs if image_fp.match(p[1].phash, p[1].dhash, p[0]) is not None]
    # And the other way round: each copy's kept centre against every other source's cuts.
    false_sources = [p for p in pairs if image_fp.match_copy(p[0].phash, p[0].dhash, p[1])]

    assert len(pairs) == SOURCES * (SOURCES - 1) * 3
    assert false_matches == []
    assert false_sources == []


def test_a_match_says_how_far_where_and_whether_mirrored(sources):
    picture, stored = sources[0]

    exact = image_fp.match(stored.phash, stored.dhash, image_fp.image_hashes(picture))
    mirrored = image_fp.match(
        stored.phash, stored.dhash, image_fp.image_hashes(fs.mirrored(picture))
    )
    cut = image_fp.match(stored.phash, stored.dhash, image_fp.image_hashes(fs.cropped(picture)))

    assert exact == Match(
        kind="image", score=1.0, image_distance=0, image_region=(0.1, 0.1, 0.9, 0.9)
    )
    assert mirrored is not None and mirrored.mirrored and mirrored.image_distance <= 6
    # fs.cropped keeps 6–96% of the width and 3–93% of the height: the source's centre
    # (10–90%) lies at 4.4–93.3% and 7.8–96.7% of the copy. The crop hypotheses are 2.5%
    # apart, and the nearest in bits need not be the nearest in place: within 4%.
    assert cut is not None and not cut.mirrored
    truth = ((0.1 - 0.06) / 0.9, (0.1 - 0.03) / 0.9, (0.9 - 0.06) / 0.9, (0.9 - 0.03) / 0.9)
    assert all(abs(a - b) < 0.04 for a, b in zip(cut.image_region, truth, strict=True))
    assert 0 < cut.score < 1


def test_hashes_are_64_bit_and_the_chunks_put_them_back_together(sources):
    _, hashes = sources[3]
    for value in (hashes.phash, hashes.dhash):
        assert 0 <= value < 2**64
        parts = chunks(value)
        assert len(parts) == image_fp.CHUNKS and all(0 <= p < 2**16 for p in parts)
        assert sum(p << (16 * (3 - i)) for i, p in enumerate(parts)) == value
    keys = image_fp.index_keys(hashes)
    # pHash's 4 chunks, then those of dHash's that are not nearly all 0s or all 1s.
    assert keys[:4] == [(number << 16) | chunk for number, chunk in enumerate(chunks(hashes.phash))]
    assert keys[4:] == [
        (1 << 18) | (number << 16) | chunk
        for number, chunk in enumerate(chunks(hashes.dhash))
        if 4 <= chunk.bit_count() <= 12
    ]
    assert len(set(keys)) == len(keys)


def test_a_flat_picture_gives_no_dhash_keys():
    # Black at the left, white at the right: brightness rises steadily along every row,
    # so every dHash bit is the same.
    gradient = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90)
    flat = image_fp.image_hashes(gradient.resize((400, 300)).convert("RGB"))

    assert flat.dhash in (0, 2**64 - 1)
    assert image_fp.index_keys(flat) == [
        (number << 16) | chunk for number, chunk in enumerate(chunks(flat.phash))
    ]


def test_hashes_within_three_bits_always_share_a_chunk():
    rng = random.Random(7)
    for _ in range(2000):
        value = rng.getrandbits(64)
        near = value
        for bit in rng.sample(range(64), rng.randint(0, 3)):
            near ^= 1 << bit
        assert hamming(value, near) <= 3
        assert set(enumerate(chunks(value))) & set(enumerate(chunks(near)))


def test_a_file_is_read_as_people_see_it_turned_by_its_exif_orientation(tmp_path):
    picture = fs.picture(11, (400, 300))
    # Stored turned a quarter to the left, with the tag that tells viewers to turn it back.
    stored = picture.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    path = tmp_path / "turned.jpg"
    stored.save(path, "JPEG", quality=95, exif=exif)

    from_file = image_hashes(path)
    upright = image_hashes(picture)

    assert hamming(from_file.phash, upright.phash) + hamming(from_file.dhash, upright.dhash) <= 6


def test_an_animated_gif_is_hashed_on_its_first_frame(tmp_path):
    frames = [fs.picture(seed, (300, 200)).convert("P") for seed in (21, 22, 23)]
    path = tmp_path / "animated.gif"
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    gif = image_hashes(path)
    first, second = image_hashes(frames[0]), image_hashes(frames[1])

    assert hamming(gif.phash, first.phash) <= 2
    assert hamming(gif.phash, second.phash) > 12


def test_transparency_is_flattened_onto_white_as_the_renditions_do():
    opaque = fs.picture(31, (320, 240))
    alpha = Image.linear_gradient("L").resize(opaque.size)
    transparent = opaque.convert("RGBA")
    transparent.putalpha(alpha)
    on_white = Image.alpha_composite(
        Image.new("RGBA", opaque.size, (255, 255, 255, 255)), transparent
    ).convert("RGB")

    assert image_hashes(transparent).phash == image_hashes(on_white).phash


def test_a_large_jpeg_is_hashed_from_a_reduced_decode(tmp_path, monkeypatch):
    path = tmp_path / "large.jpg"
    fs.picture(41, (2400, 1800)).save(path, "JPEG", quality=90)
    decoded = []
    original = image_fp._working_luma

    def spy(im):
        decoded.append(im.size)
        return original(im)

    monkeypatch.setattr(image_fp, "_working_luma", spy)

    image_hashes(path)

    # 1/4 scale is the smallest JPEG scale that keeps 320 pixels on the short side.
    assert decoded == [(600, 450)]


def test_a_file_that_is_not_a_picture_gives_a_reason(tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")

    with pytest.raises(FingerprintUnavailable) as refused:
        image_hashes(path)

    assert "cannot read the picture" in refused.value.reason


def test_the_largest_rendition_hashes_as_its_original(tmp_path):
    # The pipeline's step hashes the rendition the job has just written, not the original
    # again (docs/benchmarks.md: decoding a camera photo twice would cost a quarter of the
    # job); both must describe the same picture.
    path = tmp_path / "photo.jpg"
    fs.picture(51, (2400, 1800)).save(path, "JPEG", quality=92)
    result = process_image(path, out_dir=tmp_path / "out")
    largest = max((r for r in result.renditions if r.mime == "image/jpeg"), key=lambda r: r.width)

    original, rendition = image_hashes(path), image_hashes(largest.path)

    assert largest.width == 1600
    assert hamming(original.phash, rendition.phash) + hamming(original.dhash, rendition.dhash) <= 4


def test_the_uncut_probe_is_also_looked_up_one_bit_around_each_chunk(sources):
    _, hashes = sources[5]
    uncut = next(p for p in hashes.probes if p.region == (0.1, 0.1, 0.9, 0.9) and not p.mirrored)
    # A stored picture one bit away from the upload in every pHash chunk and unrelated in
    # dHash: no chunk equal, yet found, since the uncut probe's neighbours are looked up.
    one_bit_off = uncut.phash ^ (1 | 1 << 16 | 1 << 32 | 1 << 48)
    stored = image_fp.ImageHashes(one_bit_off, ~uncut.dhash & (2**64 - 1), ())

    shared = set(image_fp.index_keys(stored)) & image_fp.probe_keys(hashes)

    assert set(chunks(one_bit_off)) & set(chunks(uncut.phash)) == set()
    assert len(shared) >= image_fp.CANDIDATE_KEYS
