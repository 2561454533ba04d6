"""Subscriptions and the send ledger in the desk: read and search; nothing sent from here."""
from django.contrib import admin

from subscriptions.models import Delivery, Subscription


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = readonly_fields = ("period", "state", "entries", "attempts", "claimed_at", "sent_at", "last_error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "kind", "target", "language", "frequency", "confirmed_at", "created_at")
    list_filter = ("kind", "language", "frequency", ("confirmed_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "target")
    readonly_fields = ("confirmed_at", "created_at", "modified_at")
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("subscription", "period", "state", "entries", "attempts", "claimed_at", "sent_at")
    list_filter = ("state",)
    search_fields = ("subscription__email", "period")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
