"""Tests of scraper.service."""
