"""fieldnation."""
