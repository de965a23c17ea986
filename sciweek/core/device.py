"""The browser's first-party device id (cookie ``sciweek_device``): a random value the quiz
(accounts per device) and the contests' public vote (bursts from one device) both read. Not an
identifier of a person: it only tells requests of one browser apart, and it is never shown."""
import secrets

DEVICE_COOKIE = "sciweek_device"
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600


def read_device(request) -> tuple[str, bool]:
    """The browser's device id, and whether it is new (then `remember_device` sets it)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if 16 <= len(value) <= 64 and value.isascii() and value.replace("-", "").replace("_", "").isalnum():
        return value, False
    return secrets.token_urlsafe(18), True


def remember_device(request, response, device: str, new: bool):
    if new:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure())
    return response
