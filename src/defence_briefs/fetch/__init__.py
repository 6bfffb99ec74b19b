"""Fetch stage: raw files from a mirror or their publishers, checked against the manifest's sha256."""
