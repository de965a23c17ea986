"""The console's home page. It names no app: it shows the cards apps registered
(`console.registry.register_card`), in order, leaving out those whose context is None."""
from django.shortcuts import render

from sciweek.accounts.decorators import console_view

from .registry import dashboard_cards


@console_view
def home(request):
    cards = []
    for card in dashboard_cards():
        context = card.context(request)
        if context is not None:
            cards.append({"name": card.name, "template": card.template, "context": context})
    return render(request, "console/home.html", {"cards": cards})
