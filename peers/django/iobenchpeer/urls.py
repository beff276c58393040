"""Routes of the peer. Paths match exactly: /test/ is a 404, as in Go."""

from django.urls import path

from iobenchpeer import views

urlpatterns = [
    path("test", views.serve_key),
    path("healthz", views.health),
]

handler404 = "iobenchpeer.views.not_found"
handler500 = "iobenchpeer.views.server_error"
