#!/usr/bin/env python
"""Django's command-line utility; `sciweek` (installed by the package) does the same."""
from sciweek.__main__ import main

if __name__ == "__main__":
    main()
