"""The quiz's URLs: public pages under <year>/quiz/, console pages under console/quiz/ (each
part in its own module)."""
from . import console_urls, public_urls, stats_urls

app_name = "quiz"
urlpatterns = public_urls.urlpatterns + console_urls.urlpatterns + stats_urls.urlpatterns
