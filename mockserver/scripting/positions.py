"""Where in a YAML file a problem is: the line of the entry or field it names, and the line and column of a
syntax error. Only read when a file has problems, so a clean fixture set is parsed once."""

from __future__ import annotations

import re
from typing import Any

import yaml

Path_ = tuple[Any, ...]
_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
_ENTRY_NAME = re.compile(r" \(.*\)$")  # "scripts[2] (invoice)": the id in brackets is not part of the path


def node_lines(text: str) -> dict[Path_, int]:
    """Every mapping key and sequence item of a YAML document, by its path, with its 1-based line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[Path_, int] = {}

    def walk(node: yaml.Node, path: Path_) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    child = (*path, key.value)
                    lines[child] = key.start_mark.line + 1
                    walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    if root is not None:
        walk(root, ())
    return lines


def problem_path(entry: str, field: str) -> Path_:
    """``scripts[2] (invoice)`` and ``match.image.file`` as a path: ('scripts', 2, 'match', 'image', 'file')."""
    path: list[Any] = []
    for text in (_ENTRY_NAME.sub("", entry), field):
        for index, name in _TOKEN.findall(text):
            path.append(int(index) if index else name)
    return tuple(path)


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of the longest part of ``path`` the document has."""
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def error_position(exc: yaml.YAMLError) -> tuple[int | None, int | None, str]:
    """A YAML syntax error's 1-based line and column, and its text without the position (already given)."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None, None, " ".join(str(exc).split())
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        context = f"{context} that starts at {context_mark.line + 1}:{context_mark.column + 1}"
    parts = [getattr(exc, "problem", None), f"({context})" if context else None]
    return mark.line + 1, mark.column + 1, " ".join(" ".join(part for part in parts if part).split())
