from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ labels|get_item:key }} — look up a dict entry by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
