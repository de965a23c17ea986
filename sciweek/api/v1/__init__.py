"""API version 1, mounted at /api/v1/. A breaking change goes into a new package (v2), not here."""
from ninja import Router

from sciweek.reservations.api import router as reservations_router

from . import account, activities, campaigns, news

router = Router()
router.add_router("", campaigns.router)
router.add_router("", activities.router)
router.add_router("", account.router)
router.add_router("", news.router)
# Reservations live in their own app; their endpoints join version 1 here.
router.add_router("", reservations_router)
