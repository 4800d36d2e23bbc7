"""The READMEs' Python quick starts run as written: each test extracts the ```python blocks
under the named headings and executes them in order in one namespace, against the installed
package and a local development instance (offline), with no CLERK_* variable set."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

import clerkauth

REPO = Path(__file__).resolve().parents[2]


def python_blocks(readme: Path, headings: List[str]) -> List[str]:
    """The ```python blocks whose nearest heading above is one of `headings`, in file order."""
    blocks: List[str] = []
    heading, code = "", None
    for line in readme.read_text(encoding="utf-8").splitlines():
        if code is not None:
            if line.strip() == "```":
                if heading in headings:
                    blocks.append("\n".join(code))
                code = None
            else:
                code.append(line)
        elif line.startswith("```python"):
            code = []
        elif re.match(r"#{1,6} ", line):
            heading = line.lstrip("#").strip()
    return blocks


def run_blocks(monkeypatch: pytest.MonkeyPatch, blocks: List[str]) -> Dict[str, Any]:
    for name in clerkauth.ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    ns: Dict[str, Any] = {"__name__": "readme"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "README", "exec"), ns)
    ns["__stdout__"] = out.getvalue()
    return ns


def test_bindings_python_readme_quick_start(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(REPO / "bindings-python" / "README.md", ["Quick start", "Typed results"])
    assert len(blocks) == 2, "the Quick start and Typed results sections each hold one python block"
    ns = run_blocks(monkeypatch, blocks)
    state, auth = ns["state"], ns["auth"]
    assert state.status == "signed-in" and state.reason is None
    assert isinstance(auth, clerkauth.SessionAuth)
    assert (auth.user_id, auth.session_id, auth.org_id) == ("user_123", "sess_123", "org_1")
    assert auth.has(role="org:admin") and auth.has(permission="org:posts:edit")
    assert not auth.has(role="org:member")
    assert auth.get_token() == ns["token"]
    assert ns["__stdout__"].splitlines()[0] == "signed-in"


def test_top_readme_python(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(REPO / "README.md", ["Python"])
    assert len(blocks) == 1, "the top README's Python section holds one python block"
    ns = run_blocks(monkeypatch, blocks)
    assert ns["state"].status == "signed-in"
    assert ns["__stdout__"].split() == ["signed-in", "user_123"]
