"""How late, in words people read: "2 天 5 小时" / "2 days 5 hours"."""
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def humanize_seconds(seconds: int | None) -> str:
    """The two largest units of a duration (days and hours, hours and minutes, minutes, or
    seconds under a minute), localized with plural forms. "" for None or 0."""
    if not seconds:
        return ""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)s 天", "%(n)s 天", days) % {"n": days})
        if hours:
            parts.append(ngettext("%(n)s 小时", "%(n)s 小时", hours) % {"n": hours})
    elif hours:
        parts.append(ngettext("%(n)s 小时", "%(n)s 小时", hours) % {"n": hours})
        if minutes:
            parts.append(ngettext("%(n)s 分钟", "%(n)s 分钟", minutes) % {"n": minutes})
    elif minutes:
        parts.append(ngettext("%(n)s 分钟", "%(n)s 分钟", minutes) % {"n": minutes})
    else:
        parts.append(ngettext("%(n)s 秒", "%(n)s 秒", secs) % {"n": secs})
    return " ".join(parts)


def late_label(seconds: int | None) -> str:
    """"逾期 2 天 5 小时" / "2 days 5 hours late"; "" when on time."""
    if not seconds:
        return ""
    return _("逾期 %(duration)s") % {"duration": humanize_seconds(seconds)}
