"""The notebook stage: papermill runs the brief notebooks, one per country and the Europe overview, in warm
kernels (kernels.py), each run a job (jobs.py) given to a local pool or a Dask cluster (executors.py)."""
