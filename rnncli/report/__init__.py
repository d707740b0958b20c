"""Report: what the user sees: tables, figures, progress, and where output goes. It takes results
and shows them; it computes nothing."""
