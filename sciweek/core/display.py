"""How a reader wants pages shown: text size (标准/大字/特大字) and high contrast, remembered
per browser in two cookies. Read on the server, so the first paint is already right (no flash
of small text) and it works without JavaScript, in WeChat's browser too.

The sizes multiply the browser's own text size (html font-size in %), which the stylesheet's
rem scale follows: a reader with a large system font and 特大字 gets both."""
from dataclasses import dataclass

TEXT_COOKIE = "sciweek_text"
CONTRAST_COOKIE = "sciweek_contrast"
TEXT_SIZES = ("standard", "large", "largest")
CONTRASTS = ("standard", "high")
MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Display:
    text: str = "standard"
    contrast: str = "standard"

    @property
    def html_class(self) -> str:
        classes = []
        if self.text != "standard":
            classes.append(f"text-{self.text}")
        if self.contrast != "standard":
            classes.append(f"contrast-{self.contrast}")
        return " ".join(classes)


def display_of(request) -> Display:
    """The reader's choice; unknown cookie values fall back to the standard display."""
    text = request.COOKIES.get(TEXT_COOKIE, "")
    contrast = request.COOKIES.get(CONTRAST_COOKIE, "")
    return Display(text=text if text in TEXT_SIZES else "standard",
                   contrast=contrast if contrast in CONTRASTS else "standard")


def remember(response, request, *, text: str | None = None, contrast: str | None = None) -> None:
    """Set the cookies for the choices given (values outside the known ones are ignored)."""
    for name, value, allowed in ((TEXT_COOKIE, text, TEXT_SIZES), (CONTRAST_COOKIE, contrast, CONTRASTS)):
        if value in allowed:
            response.set_cookie(name, value, max_age=MAX_AGE, samesite="Lax", secure=request.is_secure(),
                                httponly=True)
