"""European defence dependency briefs: data pipeline from SIPRI, NATO and World Bank files."""

__version__ = "0.1.0"
