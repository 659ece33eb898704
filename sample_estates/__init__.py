"""Sample estates for hdscan and the deterministic generator that writes them."""
