from django.urls import path

from . import views_logbook

urlpatterns = [
    path("", views_logbook.logbook, name="logbook"),
    path("add/", views_logbook.logbook_add, name="logbook_add"),
    path("to-verify/", views_logbook.logbook_queue, name="logbook_queue"),
    path("lists/", views_logbook.logbook_items, name="logbook_items"),
    path("<int:entry_id>/verify/", views_logbook.logbook_entry_verify_view, name="logbook_entry_verify"),
    path("<int:entry_id>/reject/", views_logbook.logbook_entry_reject_view, name="logbook_entry_reject"),
    path("<int:entry_id>/delete/", views_logbook.logbook_entry_delete_view, name="logbook_entry_delete"),
]
