"""The contribution output's fast path says exactly what its declared fields (the schema) say."""

from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from contributions.api import ContributionDetailOutputSerializer, ContributionOutputSerializer
from contributions.models import RemixLink
from contributions.selectors import contribution_get
from contributions.services import contribution_create
from tests.contributions.factories import ContributionFactory
from tests.contributions.uploads import png_upload, text_upload


def _declared(serializer_class, obj, request) -> dict:
    """What DRF's generic, field-by-field representation gives for the declared fields."""
    return serializers.Serializer.to_representation(
        serializer_class(context={"request": request}), obj
    )


def test_the_fast_path_equals_the_declared_fields_for_processed_and_text_work(
    user, db, django_capture_on_commit_callbacks
):
    request = APIRequestFactory().get("/api/contributions/")
    source = ContributionFactory(author=user)  # older than its remix, as sources must be
    with django_capture_on_commit_callbacks(execute=True):  # processed, with renditions
        image = contribution_create(
            author=user, title="Sketch", description="", license="cc-by", file=png_upload()
        )
        verse = contribution_create(
            author=user, title="Verse", description="*night*", license="cc-by", file=text_upload()
        )
    RemixLink.objects.create(source=source, remix=verse)

    for contribution in (image, verse):
        contribution = contribution_get(contribution_id=contribution.id)
        for serializer_class in (ContributionOutputSerializer, ContributionDetailOutputSerializer):
            fast = serializer_class(contribution, context={"request": request}).data
            assert fast == _declared(serializer_class, contribution, request)
    image = contribution_get(contribution_id=image.id)
    assert image.renditions.count() >= 2  # thumbnails were made, so the media path was walked
