from django.conf import settings


def site(request):
    """The site's name and canonical origin, for page titles and meta tags."""
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL.rstrip("/")}
