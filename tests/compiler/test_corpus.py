"""Differential tests: every corpus program gives CPython's result on the zkvm VM."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

from zkvm.compiler import compile_file, flatten_inputs, input_shapes_of_file
from zkvm.isa.program import shaped_output
from zkvm.vm.reference import run_reference
from zkvm.vm.run import run

CORPUS = Path(__file__).parent / "corpus"
PROGRAMS = sorted(p for p in CORPUS.glob("*.py"))


def cpython(path: Path, inputs: dict):
    spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(**copy.deepcopy(inputs))


def normalize(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, list):
        return [normalize(x) for x in v]
    if v is None:
        return 0
    return v


def zkvm_run(path: Path, inputs: dict, reference: bool = False):
    program = compile_file(path, input_shapes_of_file(path, inputs))
    flat = flatten_inputs(program, inputs)
    result = run(program, flat, record=False)
    if reference:
        ref = run_reference(program, flat)
        assert ref.outputs[: len(result.outputs)] == result.outputs[: len(ref.outputs)] or ref.cycles == result.cycles
        assert ref.cycles == result.cycles
    return program, result


def test_corpus_is_large_enough():
    assert len(PROGRAMS) >= 40


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_program_matches_cpython(path):
    inputs = json.loads(path.with_suffix(".json").read_text())
    expected = normalize(cpython(path, inputs))
    program, result = zkvm_run(path, inputs, reference=path.stem in {"arith_basic", "list_aliasing", "conv2d", "decision_tree"})
    assert normalize(shaped_output(program, result.outputs)) == expected
