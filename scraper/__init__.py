"""aktuellt: watches Göteborgs Stad's "Aktuellt" listing and publishes it as feeds."""
