from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs change only through spreadsheets.services."""

    list_display = ["id", "created_at", "organization", "kind", "status", "total", "valid_count", "invalid_count",
                    "imported_count", "created_by"]
    list_filter = ["status", "kind"]
    search_fields = ["original_name", "organization__name", "created_by__username"]
    exclude = ["file", "rows_file"]
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name not in ("file", "rows_file")]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
