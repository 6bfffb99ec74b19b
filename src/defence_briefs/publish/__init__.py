"""Publish stage: a release's site assembled aside and swapped in whole; computed data files published."""
