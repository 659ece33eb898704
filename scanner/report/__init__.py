"""Room 6, the report: renders the classified estate and its plan (HTML, SVG maps, JSON export); never decides."""
