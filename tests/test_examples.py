"""The README's example and examples/ run and learn what they claim to learn."""
import re
import runpy
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def test_readme_example_learns_xor():
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["loss"].item() < 0.01


def test_xor_script_predicts_xor(capsys):
    namespace = runpy.run_path(str(ROOT / "examples" / "xor.py"))
    predictions = namespace["p"].detach().numpy().ravel()
    np.testing.assert_array_equal(predictions > 0.5, [False, True, True, False])
    assert "loss" in capsys.readouterr().out
