"""Tests of scraper.publish."""
