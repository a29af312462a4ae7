"""Fixtures of the checker's tests: tiny clean raw trees."""
import pytest

from tests.fixtures.trees import clean_tree, small_tree


@pytest.fixture
def clean(tmp_path):
    """:func:`clean_tree` under a path with a space and non-ASCII
    characters (never a problem)."""
    return clean_tree(str(tmp_path / 'my data' / 'données A2D2'))


@pytest.fixture
def small(tmp_path):
    """:func:`small_tree` (three 3x2 frames)."""
    return small_tree(str(tmp_path / 'a2d2'))
