"""Helpers to read DOT text in tests: node ids with their attributes, edges, label lines."""
import re

NODE = re.compile(r"^\t(\w+) \[(.*)\]$", re.MULTILINE)
EDGE = re.compile(r"^\t(\w+) -> (\w+)", re.MULTILINE)
LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')


def dot_nodes(source):
    """{node id: attribute text} in the order the DOT lists them."""
    return {m.group(1): m.group(2) for m in NODE.finditer(source)
            if m.group(1) not in ("graph", "node", "edge")}


def dot_edges(source):
    return EDGE.findall(source)


def label_lines(attributes):
    """The lines of a node's label (DOT writes a line break inside a label as \\n)."""
    return LABEL.search(attributes).group(1).split("\\n")
