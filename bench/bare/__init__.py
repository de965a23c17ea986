"""The baseline for the reservation burst (bench/reserve_burst.py): SciWeek's settings and
URLs plus one bare view doing only the reservation's transaction, served by the same server
in the same run, so SciWeek's rate is reported as a share of it. Never used outside bench/."""
