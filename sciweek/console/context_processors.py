def console_nav(request):
    """The console's navigation for this user: only what their roles can open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/console/"):
        return {}
    from sciweek.accounts import policy

    from .registry import nav_entries

    entries = [e for e in nav_entries()
               if (e.action is None or user.is_superuser or policy.scope_paths(user, e.action))
               and (e.shown is None or e.shown(user))]
    return {"console_nav": entries}
