"""Rich text typed by staff (a summary's text): sanitized with nh3 (ammonia) on the way in,
so what is stored is safe to render as it is; turned into plain text or into blocks (for a
.docx) by lxml, never by regular expressions.

The allowed set is what the editor (Trix) makes and a summary needs: paragraphs and line
breaks, headings, bold/italic/strike, lists, quotes, code blocks and links (http, https,
mailto; rel="noopener noreferrer nofollow" added). Everything else goes, its text kept."""
from __future__ import annotations

import nh3
from lxml import html as lxml_html

TAGS = {"p", "div", "br", "h1", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "del", "s", "ul", "ol", "li",
        "blockquote", "pre", "code", "a"}
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "li", "blockquote", "pre"}


def sanitize(value: str | None) -> str:
    """Safe HTML for storing and rendering (``|safe`` in templates is then correct)."""
    if not value:
        return ""
    return nh3.clean(value, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow").strip()


def _root(value: str):
    return lxml_html.fragment_fromstring(value, create_parent="div")


def to_text(value: str | None) -> str:
    """The text of sanitized HTML, a block per line (for lengths, search and Excel)."""
    if not value:
        return ""
    return "\n".join(text for _tag, text in blocks(value))


def blocks(value: str | None) -> list[tuple[str, str]]:
    """The sanitized HTML as (kind, text) blocks in reading order: kind is "h1".."h4", "li",
    "quote" or "p" (line breaks inside a block become newlines). For writing a .docx."""
    if not value:
        return []
    result: list[tuple[str, str]] = []

    def text_of(element) -> str:
        parts = [element.text or ""]
        for child in element:
            if child.tag == "br":
                parts.append("\n")
            elif child.tag not in BLOCKS and child.tag not in ("ul", "ol"):
                parts.append(text_of(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def walk(element) -> None:
        loose = [element.text or ""]
        for child in element:
            if child.tag in BLOCKS or child.tag in ("ul", "ol"):
                flush(loose)
                loose = []
                if child.tag in ("ul", "ol"):
                    for item in child:
                        if item.tag == "li" and (text := text_of(item).strip()):
                            result.append(("li", text))
                elif any(grandchild.tag in BLOCKS or grandchild.tag in ("ul", "ol") for grandchild in child):
                    walk(child)  # a Trix <div> holding lists or headings
                elif child.tag in ("p", "div"):
                    flush([text_of(child)])
                elif text := text_of(child).strip():
                    result.append((child.tag if child.tag.startswith("h") else
                                   "quote" if child.tag == "blockquote" else "p", text))
            elif child.tag == "br":
                loose.append("\n")
            else:
                loose.append(text_of(child))
            loose.append(child.tail or "")
        flush(loose)

    def flush(parts) -> None:
        # Trix separates paragraphs with <br><br> inside one <div>.
        for paragraph in "".join(parts).split("\n\n"):
            if paragraph.strip():
                result.append(("p", paragraph.strip()))

    walk(_root(value))
    return result
