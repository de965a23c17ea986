"""Receivers of the quiz's own signals (leaderboards follow standings). Connected in
QuizConfig.ready."""
import logging

logger = logging.getLogger("sciweek.quiz.leaderboard")


def follow_standing(sender, *, quiz, standing, removed=False, **kwargs):
    """A standing changed or left the ranking (sent on commit): the Redis boards follow.
    Runs after the commit, so it must not raise into the request that committed: a Redis
    failure is handled inside `leaderboard` (the board's version moves on); anything else is
    logged here and the board invalidated."""
    from . import leaderboard

    try:
        if removed:
            leaderboard.remove(standing)
        else:
            leaderboard.record(standing)
    except Exception:
        logger.exception("leaderboard update failed for quiz %s, standing %s", quiz.pk, standing.pk)
        try:
            leaderboard.invalidate(quiz)
        except Exception:
            logger.exception("leaderboard of quiz %s could not be invalidated", quiz.pk)


def connect() -> None:
    from .services import standing_changed

    standing_changed.connect(follow_standing, dispatch_uid="sciweek.quiz.leaderboard")
