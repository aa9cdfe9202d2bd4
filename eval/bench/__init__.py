"""`docqa bench`: ingest speed, query latency, cold start and memory, measured in one run."""

from eval.bench.models import BenchError as BenchError
from eval.bench.models import BenchOptions as BenchOptions
from eval.bench.models import BenchResult as BenchResult
from eval.bench.run import run_bench as run_bench
