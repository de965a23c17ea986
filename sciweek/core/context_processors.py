def platform(request):
    from sciweek.campaigns.selectors import current_campaign_of

    return {"current_campaign": current_campaign_of(request)}
