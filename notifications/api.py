"""The notifications API: a person's own inbox, marking read, and their preferences."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hitrec.api import StandardPagination, UserRefSerializer
from notifications import services
from notifications.models import Delivery, Kind, deliveries_of
from notifications.selectors import notification_list, preferences_get, unread_count


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    text = serializers.CharField()
    link = serializers.CharField()
    actor = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationListApi(APIView):
    """Your own notifications, newest first; `?unread=true` for the unread ones only."""

    permission_classes = [IsAuthenticated]

    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(parameters=[FilterSerializer], responses=NotificationOutputSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            notification_list(user=request.user, **filters.validated_data), request
        )
        return paginator.get_paginated_response(NotificationOutputSerializer(page, many=True).data)


class NotificationReadApi(APIView):
    """Mark some of your notifications (`ids`) or all of them (`all: true`) as read."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            # Ids are 64-bit: larger numbers are refused here, not by SQLite (a 500).
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
            required=False,
            max_length=1000,
        )
        all = serializers.BooleanField(required=False, default=False)

        def validate(self, data):
            if bool(data.get("ids")) == bool(data["all"]):
                raise serializers.ValidationError(
                    _("Send either `ids` (a list of notification ids) or `all: true`.")
                )
            return data

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()
        unread = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=request.user, ids=data.validated_data.get("ids", []),
            every=data.validated_data["all"],
        )  # fmt: skip
        return Response({"marked": marked, "unread": unread_count(user=request.user)})


class DeliveryField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Delivery.choices, required=False, **kwargs)


class DeliveryFieldExtension(OpenApiSerializerFieldExtension):
    """One `NotificationDelivery` component for the fields that share the choice set
    (drf-spectacular would otherwise name it after each field in turn, and warn)."""

    target_class = DeliveryField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name="NotificationDelivery",
            type=ResolvedComponent.SCHEMA,
            object="NotificationDelivery",
            schema={"type": "string", "enum": Delivery.values},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class NotificationPreferencesSerializer(serializers.Serializer):
    """Per kind: off, immediate (an email at once) or digest (in the daily digest email)."""

    remixed = DeliveryField()
    ask_posted = DeliveryField()
    submission_decided = DeliveryField()
    released = DeliveryField()
    revenue = DeliveryField()
    statement_issued = DeliveryField()
    cost = DeliveryField()
    mention = DeliveryField()
    proposal_published = DeliveryField()
    proposal_revised = DeliveryField()
    proposal_commented = DeliveryField()
    proposal_accepted = DeliveryField()
    proposal_released = DeliveryField()
    claim_made = DeliveryField()
    claim_answered = DeliveryField()
    claim_decided = DeliveryField()
    # Off by default; in the daily digest or not at all.
    ask_for_you = serializers.ChoiceField(
        choices=deliveries_of(Kind.ASK_FOR_YOU),
        required=False,
        help_text="New open asks tagged with one of your skills (GET /api/auth/me/): off or "
        "digest.",
    )

    def validate(self, data):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {kind: [_("This is not a kind of notification.")] for kind in sorted(unknown)}
            )
        return data


class NotificationPreferencesApi(APIView):
    """How you hear about each kind. PUT any of the kinds; the others stay as they are."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NotificationPreferencesSerializer)
    def get(self, request):
        return Response(preferences_get(user=request.user))

    @extend_schema(
        request=NotificationPreferencesSerializer, responses=NotificationPreferencesSerializer
    )
    def put(self, request):
        data = NotificationPreferencesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            services.preferences_set(user=request.user, preferences=dict(data.validated_data))
        )
