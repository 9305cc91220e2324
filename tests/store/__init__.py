"""Tests of scraper.store."""
