"""What a template asks of its data, read from its Jinja tree: the top-level names it
uses without defining them (with the lines they are on), and the paths it reads from them
(`order.customer.name_en`, and through loops `lines[].qty` for `{% for i in lines %}
{{ i.qty }}`), for `templates check` and `templates map`."""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Environment, meta, nodes

__all__ = ["Usage", "usage", "usage_of"]


@dataclass
class Usage:
    names: dict[str, list[int]] = field(default_factory=dict)  # undeclared name -> lines
    paths: dict[str, int] = field(default_factory=dict)  # path read -> first line


def _path(node: nodes.Node, loops: dict[str, str]) -> str | None:
    """`a.b.c` for Getattr(Getattr(Name a, b), c); a loop variable as its list's `[]`."""
    parts: list[str] = []
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            parts.append(node.arg.value)
        else:
            return None
        node = node.node
    if not isinstance(node, nodes.Name):
        return None
    head = loops.get(node.name, node.name)
    return ".".join([head, *reversed(parts)])


def usage(tree: nodes.Template) -> Usage:
    """The names and paths `tree` reads (loop variables and `{% set %}` names excluded
    from the names; read through their lists in the paths)."""
    undeclared = meta.find_undeclared_variables(tree)
    found = Usage()
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name in undeclared:
            found.names.setdefault(name.name, []).append(name.lineno)
    loops: dict[str, str] = {}
    for loop in tree.find_all(nodes.For):
        listed = _path(loop.iter, loops)
        if listed is None and isinstance(loop.iter, nodes.Call):  # d.items(), x|list
            listed = _path(loop.iter.node, loops)
        if listed is None and isinstance(loop.iter, nodes.Filter) and loop.iter.node is not None:
            listed = _path(loop.iter.node, loops)
        targets = [loop.target] if isinstance(loop.target, nodes.Name) else \
            list(getattr(loop.target, "items", []))
        for target in targets:
            if isinstance(target, nodes.Name) and listed is not None:
                loops[target.name] = f"{listed}[]"
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        path = _path(node, loops)
        if path is None:
            continue
        head = path.split(".", 1)[0].removesuffix("[]")
        if head.split("[]", 1)[0] in undeclared or "[]" in path:
            found.paths.setdefault(path, node.lineno)
    # keep the longest paths only: order.customer.name_en, not also order and order.customer
    longest = {p: n for p, n in found.paths.items()
               if not any(o != p and (o.startswith(p + ".") or o.startswith(p + "[]"))
                          for o in found.paths)}
    found.paths = dict(sorted(longest.items()))
    return found


def usage_of(sources: list[str], env: Environment) -> Usage:
    """What several pieces of one template (Word's parts, Excel's cells) use together."""
    total = Usage()
    for text in sources:
        found = usage(env.parse(text))
        for name, lines in found.names.items():
            total.names.setdefault(name, []).extend(lines)
        for dotted, line in found.paths.items():
            total.paths.setdefault(dotted, line)
    return total
