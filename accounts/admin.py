from django.contrib import admin

from accounts.models import VerifiedEmail


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(admin.ModelAdmin):
    list_display = ["email", "user", "verified_at"]
    search_fields = ["email"]
    readonly_fields = ["user", "email", "verified_at"]

    def has_add_permission(self, request) -> bool:
        return False  # made by confirming an address, never by hand
