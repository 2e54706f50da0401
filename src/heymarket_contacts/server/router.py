"""The route table: which endpoint a method and path name, found by one lookup, not a scan.

A path without parameters is found in a dict; one with parameters by one compiled regex per
method, the alternation of that method's routes in declaration order (the first declared that
matches wins). A literal path wins over parameters: ``GET /v1/contact/get`` names the
``POST``-only path ``/v1/contact/get`` (a 405), not the contact ``get`` of
``GET /v1/contact/{id}``. A path that some route has under other methods is a 405 whose
``Allow`` lists them (``HEAD`` beside every ``GET``); any other path is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from .errors import MethodNotAllowed, NotFound

#: A path parameter: ``{name}`` (one segment; no convertors).
_PARAMETER = re.compile(r"{([^}]*)}")
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
#: The order of methods in ``Allow``.
_METHOD_ORDER = {m: i for i, m in enumerate(("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"))}


class Routed(Protocol):
    """What the table holds: anything with a method and a path template."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


R = TypeVar("R", bound=Routed)


@dataclass(frozen=True, slots=True)
class _Alternative(Generic[R]):
    """One route inside a method's regex: the route and where its parameters are."""

    route: R
    names: tuple[str, ...]
    first_group: int


def path_regex(path: str) -> tuple[str, tuple[str, ...]]:
    """The regex for ``path`` (without ``^``): literal text escaped, each ``{name}`` one
    segment (``[^/]+``), ``$`` at the end; and the parameters' names."""
    pattern, names, start = "", [], 0
    for parameter in _PARAMETER.finditer(path):
        name = parameter[1]
        if not _NAME.fullmatch(name):
            raise ValueError(f"unsupported path parameter {{{name}}} in {path}")
        pattern += re.escape(path[start : parameter.start()]) + "([^/]+)"
        names.append(name)
        start = parameter.end()
    return pattern + re.escape(path[start:]) + "$", tuple(names)


class RouteTable(Generic[R]):
    """Finds the route a method and path name, with its path parameters."""

    def __init__(self, routes: Sequence[R]) -> None:
        self._static: dict[str, dict[str, R]] = {}
        self._regexes: dict[str, tuple[re.Pattern[str], dict[int, _Alternative[R]]]] = {}
        #: Every literal path with the methods that have it.
        self._literal: dict[str, list[str]] = {}
        for method in dict.fromkeys(route.method for route in routes):
            declared = [route for route in routes if route.method == method]
            self._regexes[method] = _method_regex(declared)
            self._static[method] = _static_paths(declared)
            for path in self._static[method]:
                self._literal.setdefault(path, []).append(method)

    def find(self, method: str, path: str) -> tuple[R, dict[str, str]]:
        """The route and its parameters; a 405 (with ``Allow``) or a 404 when there is none."""
        static = self._static.get(method)
        if static is not None:
            route = static.get(path)
            if route is not None:
                return route, {}
            if path not in self._literal:
                found = self._match(method, path)
                if found is not None:
                    return found
        allowed = self.allowed(path)
        if allowed:
            raise MethodNotAllowed(f"{method} is not allowed here; use {allowed}", allow=allowed)
        raise NotFound(f"no route {method} {path}")

    def allowed(self, path: str) -> str:
        """The ``Allow`` header of ``path``: the methods it is served with (empty: none)."""
        methods = self._literal.get(path)
        if methods is None:
            methods = [method for method in self._regexes if self._match(method, path)]
        if "GET" in methods:
            methods = [*methods, "HEAD"]
        return ", ".join(sorted(methods, key=lambda method: _METHOD_ORDER.get(method, 9)))

    def _match(self, method: str, path: str) -> tuple[R, dict[str, str]] | None:
        regex, alternatives = self._regexes[method]
        found = regex.match(path)
        if found is None:
            return None
        alternative = alternatives[found.lastindex or 0]
        first = alternative.first_group
        params = {name: found[group] for group, name in enumerate(alternative.names, start=first)}
        return alternative.route, params


def _method_regex(
    routes: Sequence[R],
) -> tuple[re.Pattern[str], dict[int, _Alternative[R]]]:
    """One regex whose alternatives are ``routes``' paths, each wrapped in a group: the outer
    group of the alternative that matched is the match's ``lastindex``."""
    parts, alternatives, group = [], {}, 1
    for route in routes:
        pattern, names = path_regex(route.path)
        parts.append(f"({pattern})")
        alternatives[group] = _Alternative(route, names, group + 1)
        group += 1 + len(names)
    return re.compile("|".join(parts)), alternatives


def _static_paths(routes: Sequence[R]) -> dict[str, R]:
    """The paths without parameters that no earlier route of the method matches too."""
    static: dict[str, R] = {}
    for index, route in enumerate(routes):
        earlier = [re.compile(path_regex(r.path)[0]) for r in routes[:index]]
        if "{" not in route.path and not any(r.match(route.path) for r in earlier):
            static.setdefault(route.path, route)
    return static
