"""The service room: `aktuellt serve` and what it needs to run unattended.

The scheduler, the feed server, health, metrics, status, the cycle lock and the cycle's summary line. The top
room: it may import every other.
"""
