def platform(request):
    from sciweek.campaigns.selectors import current_campaign_of
    from sciweek.core.display import display_of

    return {"current_campaign": current_campaign_of(request), "display": display_of(request)}
