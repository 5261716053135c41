"""The local executor's fresh processes and the opt-in memory record of each task."""

from __future__ import annotations

import json
import os

from cleaner.pipeline.shards import LocalExecutor, Task, WorkDir, fresh_process
from cleaner.pipeline.shards.memory import TASK_MEMORY


def pid_task(work: WorkDir, label: str) -> dict:
    return {"pid": os.getpid(), "label": label}


@fresh_process
def fresh_pid_task(work: WorkDir, label: str) -> dict:
    return {"pid": os.getpid(), "label": label}


def test_a_fresh_task_runs_in_a_process_of_its_own(tmp_path) -> None:
    work = WorkDir(str(tmp_path / "work"))
    executor = LocalExecutor(2)
    try:
        first = dict(executor.each(work, [Task(f"a/{i}", pid_task, (str(i),))
                                          for i in range(4)]))
        fresh = dict(executor.each(work, [Task(f"f/{i}", fresh_pid_task, (str(i),))
                                          for i in range(3)]))
        alone = dict(executor.each(work, [Task("g/0", fresh_pid_task, ("g",))]))
        after = dict(executor.each(work, [Task(f"b/{i}", pid_task, (str(i),))
                                          for i in range(2)]))
    finally:
        executor.close()
    pool = {s["pid"] for s in first.values()}
    fresh_pids = {s["pid"] for s in fresh.values()}
    assert os.getpid() not in pool | fresh_pids
    # Processes started for the stage (at most one per task, two workers), none of them a
    # long-lived worker.
    assert 1 <= len(fresh_pids) <= 2 and not fresh_pids & pool
    # The stage after gets long-lived workers again (not the fresh ones).
    assert not {s["pid"] for s in after.values()} & fresh_pids
    assert [fresh[f"f/{i}"]["label"] for i in range(3)] == ["0", "1", "2"]
    # A stage of one fresh task: a process of its own, new for the stage.
    assert alone["g/0"]["pid"] not in pool | fresh_pids


def test_task_memory_is_recorded_only_when_asked(tmp_path, monkeypatch) -> None:
    work = WorkDir(str(tmp_path / "work"))
    log = tmp_path / "tasks.jsonl"
    executor = LocalExecutor(1)
    try:
        dict(executor.each(work, [Task("quiet/0", pid_task, ("x",))]))
        assert not log.exists()
        monkeypatch.setenv(TASK_MEMORY, str(log))
        executor.close()  # the next pool's workers see the variable
        dict(executor.each(work, [Task(f"m/{i}", pid_task, (str(i),)) for i in range(3)]))
    finally:
        executor.close()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r["task"] for r in records) == ["m/0", "m/1", "m/2"]
    for record in records:
        assert 0 < record["start"] <= record["peak"]
