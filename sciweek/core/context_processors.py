def platform(request):
    from sciweek.campaigns.selectors import current_campaign_of
    from sciweek.core.display import display_of
    from sciweek.core.errors import is_database_unavailable

    try:
        campaign = current_campaign_of(request)
    except Exception as error:
        # A page rendered while the database is away (an error page among them) shows no
        # campaign links rather than failing itself; any other error is a bug and is raised.
        if not is_database_unavailable(error):
            raise
        campaign = None
    return {"current_campaign": campaign, "display": display_of(request)}
