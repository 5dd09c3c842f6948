"""Kernels forked from the fork server run a notebook as a fresh kernel does, and share
nothing but the imports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from soteria_research.batch import forkserver

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is Linux only"),
]

CELLS = [
    "import os, sys\nimport pandas as pd",
    # pandas' display defaults: chosen when pandas is imported, outside a kernel in the server
    "pd.DataFrame({f'column {i}': [i] for i in range(30)})",
    "pd.get_option('display.max_columns'), pd.get_option('display.width')",
    "os.getcwd(), os.environ.get('SOTERIA_FORK_PROBE'), sys.argv[0]",
    "import soteria_research\n"
    "seen = getattr(soteria_research, '_probe', None)  # left by an earlier notebook?\n"
    "soteria_research._probe = 'set'\nseen",
    "import random\nrandom.random() != random.random()",
    # matplotlib's backend: read when matplotlib is imported, in the server
    "import matplotlib\nimport matplotlib.pyplot as plt\nmatplotlib.get_backend()",
    "fig, ax = plt.subplots(figsize=(2, 1))\nax.plot([1, 2])\nplt.show()",
    "os.getppid()",
]
#: Cells whose output differs from one kernel to the next by nature.
OWN = len(CELLS) - 1


def _notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def _run(notebook: Path, target: Path, fork: bool) -> list[str]:
    manager = {"kernel_manager_class": forkserver.ForkKernelManager} if fork else {}
    ran = papermill.execute_notebook(
        str(notebook),
        str(target),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(notebook.parent),
        **manager,
    )
    outputs = []
    for cell in ran.cells:
        texts = [  # each output's kinds (an image?) and its text
            f"{sorted(o.get('data', {}))} {o.get('data', {}).get('text/plain', o.get('text', ''))}"
            for o in cell.outputs
        ]
        outputs.append("\n".join(texts))
    return outputs


def _pid(output: str) -> int:
    return int(output.split()[-1])


@pytest.fixture
def server():
    yield forkserver._Server
    forkserver._Server.stop()


def test_a_forked_kernel_runs_a_notebook_as_a_fresh_kernel_does(tmp_path, monkeypatch, server):
    monkeypatch.setenv("SOTERIA_FORK_PROBE", "from the worker")
    notebook = _notebook(tmp_path)
    fresh = _run(notebook, tmp_path / "fresh.ipynb", fork=False)
    forked = _run(notebook, tmp_path / "forked.ipynb", fork=True)
    assert forked[:OWN] == fresh[:OWN]
    assert "from the worker" in forked[3] and str(tmp_path) in forked[3]
    assert "20" in forked[2]  # a kernel's pandas shows 20 columns, not a terminal's 0
    assert "inline" in forked[6] and "image/png" in forked[7]  # drawn inline, as a kernel does
    # it was forked: its parent is the server, not this process
    assert server.process is not None
    assert _pid(forked[OWN]) == server.process.pid
    assert _pid(fresh[OWN]) == os.getpid()


def test_nothing_one_notebook_does_reaches_the_next(tmp_path, server):
    notebook = _notebook(tmp_path)
    first = _run(notebook, tmp_path / "first.ipynb", fork=True)
    second = _run(notebook, tmp_path / "second.ipynb", fork=True)
    assert first[4] == second[4] == ""  # the module attribute the first set is not seen
    assert first[5].endswith("True") and second[5].endswith("True")
    assert first[OWN] == second[OWN]  # the same server forked both


def test_a_server_that_cannot_start_leaves_the_usual_kernel(tmp_path, monkeypatch, server, caplog):
    monkeypatch.setattr(forkserver, "READY_TIMEOUT", 30.0)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    (tmp_path / "soteria_research_broken.py").write_text("raise ImportError('broken on purpose')")
    monkeypatch.setattr(
        forkserver, "PRELOAD", (*forkserver.PRELOAD, "soteria_research_broken"), raising=True
    )
    notebook = _notebook(tmp_path)
    with caplog.at_level("WARNING", logger=forkserver.__name__):
        ran = _run(notebook, tmp_path / "fallback.ipynb", fork=True)
    assert _pid(ran[OWN]) == os.getpid()  # started the usual way, by this process
    assert "kernel started without the fork server" in caplog.text


def _in_forked_worker(notebook: str, target: str, answers) -> None:
    answers.put(_run(Path(notebook), Path(target), fork=True)[OWN])


def test_a_worker_forked_from_a_process_with_a_server_starts_its_own(tmp_path, server):
    import multiprocessing

    notebook = _notebook(tmp_path)
    mine = _run(notebook, tmp_path / "mine.ipynb", fork=True)[OWN]
    context = multiprocessing.get_context("fork")  # as the pool's workers are made
    answers = context.Queue()
    worker = context.Process(
        target=_in_forked_worker, args=(str(notebook), str(tmp_path / "w.ipynb"), answers)
    )
    worker.start()
    theirs = answers.get(timeout=120)  # a loop or lock left over from the fork would hang
    worker.join(timeout=30)
    assert worker.exitcode == 0
    assert theirs != mine  # the worker's kernel came from a server of its own
    assert _pid(mine) == server.process.pid  # and this process' server is still its own
