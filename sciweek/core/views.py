from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sciweek.core.display import display_of, remember
from sciweek.core.http import safe_next


@require_POST
def display_preferences(request):
    """The 大字 / 高对比度 switch on every page: remember the choice, go back where the reader was."""
    response = redirect(safe_next(request, "portal:home"))
    contrast = request.POST.get("contrast")
    if contrast == "toggle":
        contrast = "standard" if display_of(request).contrast == "high" else "high"
    remember(response, request, text=request.POST.get("text"), contrast=contrast)
    return response
