"""Vietnamese first: the site speaks Vietnamese unless the person picked English with the
switch (a cookie). Only the label pages scanned by buyers anywhere follow the browser's
Accept-Language, as a GS1 resolver should."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(tuple(settings.ACCEPT_LANGUAGE_PATH_PREFIXES)):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
