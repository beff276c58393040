"""Routes of the peer: every path goes to views.dispatch, which routes on
the raw request target as the Go service does, because Django's resolver
would match the percent-decoded path (/%74est as /test).
"""

from django.urls import re_path

from iobenchpeer import views

urlpatterns = [
    re_path("", views.dispatch),
]

handler404 = "iobenchpeer.views.not_found"
handler500 = "iobenchpeer.views.server_error"
