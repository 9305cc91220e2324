"""Tests of scraper.source."""
