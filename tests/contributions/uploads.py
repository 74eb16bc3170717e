"""Small real files to upload in tests, made on the spot."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_upload(name: str = "sketch.png", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def text_upload(body: str = "# Verse\n\nA line about the night bus.\n", name: str = "verse.md"):
    return SimpleUploadedFile(name, body.encode(), content_type="text/markdown")
