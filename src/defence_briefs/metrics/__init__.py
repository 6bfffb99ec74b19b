"""Metrics: pure functions from a release's tidy tables to the figures the briefs show (see `catalogue`)."""
