"""`make bench` without the evaluation data: each benchmark that needs it says so and stops,
instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import ROOT

NEEDS_EVAL = ["bench_decoding", "bench_dedup", "bench_extraction", "bench_real_data",
              "bench_rules_audit", "bench_scale", "bench_sharded_translation",
              "bench_throughput", "bench_workfs"]


@pytest.mark.parametrize("name", NEEDS_EVAL)
def test_a_benchmark_without_its_data_says_so(name, tmp_path):
    env = {**os.environ, "CLEANER_EVAL_DIR": str(tmp_path / "absent")}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}.py")], env=env,
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output[-500:]
    assert "not found" in output and "CLEANER_EVAL_DIR" in output
