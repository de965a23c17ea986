"""The site's URLs plus one page that shows the upload widget, for the browser test (no app
page embeds it yet)."""
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from sciweek.urls import urlpatterns as site_urlpatterns

PAGE = """{% extends "base.html" %}{% block content %}
<form method="post" action="">{% csrf_token %}
{% include "media/_upload_widget.html" with purpose="media.test" target="video" accept="video/mp4,video/quicktime" %}
<button type="submit">提交</button></form>{% endblock %}"""


def widget_page(request):
    return HttpResponse(engines["django"].from_string(PAGE).render({}, request))


urlpatterns = [path("media-widget-test/", widget_page), *site_urlpatterns]
