"""docs/isa.md is rendered from the opcode table: they must not drift apart."""

from pathlib import Path

from zkvm.isa.doc import render_table

ROOT = Path(__file__).resolve().parents[2]


def test_isa_doc_has_the_current_table():
    assert render_table() in (ROOT / "docs" / "isa.md").read_text()
