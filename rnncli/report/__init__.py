"""Report: what the user sees: tables, figures, progress, and where output goes."""
