"""Receivers of the quiz's own signals (leaderboards follow standings)."""


def connect() -> None:
    pass
