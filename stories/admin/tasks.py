"""Background tasks for editors: what ran, what failed and why (the database queue's own admin, opened to them)."""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from ..workflow.rights import is_editor

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    """Read-only, like the queue's own; editors may look without a permission of their own to give."""

    list_display = ("task_name", "status", "enqueued_at", "run_after", "finished_at", "exception_class_path")

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)
