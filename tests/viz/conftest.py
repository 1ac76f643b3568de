"""Helpers to read DOT text in tests: node ids, their attributes and the edges."""
import re

import matplotlib
import pytest

matplotlib.use("Agg")  # plots are checked by their artists, never on screen

NODE = re.compile(r"^\t(\w+) \[(.*)\]$", re.MULTILINE)
EDGE = re.compile(r"^\t(\w+) -> (\w+)", re.MULTILINE)


def dot_nodes(source):
    """{node id: attribute text} in the order the DOT lists them."""
    return {m.group(1): m.group(2) for m in NODE.finditer(source) if m.group(1) not in
            ("graph", "node", "edge")}


def dot_edges(source):
    return EDGE.findall(source)


@pytest.fixture
def parse_dot():
    return dot_nodes, dot_edges


LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')


def label_lines(attributes):
    """The lines of a node's label (DOT writes a line break inside a label as \\n)."""
    return LABEL.search(attributes).group(1).split("\\n")
