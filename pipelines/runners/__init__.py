"""What makes every runner run the stages alike, kept apart from them.

engine (the runner a run asks for: its pipelines, counts and progress),
forked_workers, worker_client and local_worker (the local runner's worker
processes), on_dask (Beam's Dask runner on a dask.distributed cluster, its
counts per task and its progress events), worker_errors (a user's mistake
found in a worker, as one line), beam_logs (Beam's log lines a user need
not see).
"""
