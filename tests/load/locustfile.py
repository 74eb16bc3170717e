"""Locust users of the load test (tests/load/test_load.py): readers of the main endpoints, and
artists uploading small images and texts. Ids and tokens come from HITREC_LOAD_SPEC."""

import io
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task
from PIL import Image

SPEC = json.loads(Path(os.environ["HITREC_LOAD_SPEC"]).read_text())
KINDS = ["image", "audio", "video", "text"]


def png_bytes(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (seed % 255, 80, 20)).save(buffer, "PNG")
    return buffer.getvalue()


class Reader(HttpUser):
    """Someone browsing: the list, filtered lists, works, their lineage and credits."""

    weight = 4
    wait_time = between(0.05, 0.2)

    def on_start(self):
        # One reader in three is signed in.
        if random.random() < 1 / 3:
            self.client.headers["Authorization"] = f"Token {random.choice(SPEC['tokens'])}"

    @task(4)
    def contribution_list(self):
        self.client.get("/api/contributions/?page_size=50", name="GET /api/contributions/")

    @task(2)
    def contribution_list_by_kind(self):
        self.client.get(
            f"/api/contributions/?kind={random.choice(KINDS)}&page=1",
            name="GET /api/contributions/?kind=",
        )

    @task(4)
    def contribution_detail(self):
        work = random.choice(SPEC["works"])
        self.client.get(f"/api/contributions/{work}/", name="GET /api/contributions/{id}/")

    @task(1)
    def lineage(self):
        work = random.choice(SPEC["works"])
        self.client.get(
            f"/api/contributions/{work}/lineage/?direction=both",
            name="GET /api/contributions/{id}/lineage/",
        )

    @task(1)
    def credits(self):
        work = random.choice(SPEC["works"])
        self.client.get(
            f"/api/contributions/{work}/credits/", name="GET /api/contributions/{id}/credits/"
        )

    @task(1)
    def projects(self):
        self.client.get("/api/projects/", name="GET /api/projects/")


class Uploader(HttpUser):
    """An artist uploading: a small PNG or a text, processed by the worker."""

    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {random.choice(SPEC['tokens'])}"

    @task
    def upload(self):
        number = random.randrange(10**9)
        title = f"{SPEC['upload_title']} {number}"
        if random.random() < 0.5:
            self.client.post(
                "/api/contributions/",
                data={"title": title, "license": "cc-by"},
                files={"file": ("load.png", png_bytes(number), "image/png")},
                name="POST /api/contributions/ (image)",
            )
        else:
            self.client.post(
                "/api/contributions/",
                data={"title": title, "text": f"A verse, number {number}.\n"},
                name="POST /api/contributions/ (text)",
            )
