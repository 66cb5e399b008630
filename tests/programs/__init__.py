"""Whole PyTorch programs run unchanged on minigrad (see harness.py and tests/test_programs.py)."""
