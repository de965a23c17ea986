"""The published statistics as a section of a region's public page (portal.registry)."""
from __future__ import annotations

from datetime import datetime

from . import selectors, tables
from .selectors import METRICS, NOT_RECORDED


def region_section(campaign, region) -> dict | None:
    """The section's context, or None when the region published nothing for the campaign
    (read through the cache: selectors.published_figures)."""
    published = selectors.published_figures(campaign, region.pk)
    if published is None:
        return None
    figures = published["figures"]
    headline = [(label, tables.not_recorded_text() if key in NOT_RECORDED else figures["total"].get(key, 0))
                for key, label in METRICS if key != "filings"]
    return {"campaign": campaign, "region": region, "published_at": published["published_at"],
            "computed_at": datetime.fromisoformat(figures["computed_at"]), "headline": headline,
            "overview": tables.overview(figures), "totals": tables.dimension_totals(figures)}
