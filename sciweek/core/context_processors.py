def platform(request):
    from sciweek.campaigns.selectors import current_campaign

    if not hasattr(request, "_current_campaign"):
        request._current_campaign = current_campaign()
    return {"current_campaign": request._current_campaign}
