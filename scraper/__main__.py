"""`python -m scraper` is the `aktuellt` command."""

from .cli import main

main()
