"""Building blocks of the sample-estate generator (stdlib only)."""
