"""Oracles, not production: figures the publishers printed (reproductions and parser checks) and the measured
error of the allocation method. Used by the tests and by the generated tables of methodology.md."""
