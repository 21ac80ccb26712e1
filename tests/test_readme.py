"""The README's two commands are what CI and newcomers run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks():
    return re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_has_exactly_two_commands():
    commands = [
        line for block in _bash_blocks() for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(commands) == 2
    assert "foresight report" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    commands = [
        line for block in _bash_blocks() for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    ci = (ROOT / ".ci" / "run").read_text()
    match = re.search(r"readme_test_command='(.*)'", ci)
    assert match and match.group(1) == commands[1]


def test_readme_regression_example_runs():
    """The README's regression example is runnable as written."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    example = [b for b in blocks if "regression.assert_allocation_matches" in b]
    assert example, "README lost its regression example"
    namespace: dict = {}
    exec(compile(example[0], "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert all(r.passed for r in namespace["results"])
