"""Answers into typed models, keeping the fields the models do not know (pure).

The real API sends more than the contract names. Every read model is a ``dict=True`` struct,
so the fields an answer has beyond its model are kept on the instance (``contact.channels``
works) and :func:`unknown_fields` lists them; :func:`to_dict` gives the answer back as JSON
values, unknown fields included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, get_origin

import msgspec

__all__ = ["AnswerShapeError", "decoder", "keep_unknown", "to_dict", "unknown_fields"]

T = TypeVar("T")


class AnswerShapeError(ValueError):
    """A success answer that does not fit its model; the shells turn it into an API error."""


def decoder(kind: type[T]) -> Callable[[Any], T]:
    """A function from decoded JSON to ``kind`` (a model, ``list[Model]``, ``int``...)."""

    def decode(raw: Any) -> T:
        try:
            value = msgspec.convert(raw, kind)
        except msgspec.ValidationError as error:
            raise AnswerShapeError(f"the answer is not a {_name(kind)}: {error}") from None
        keep_unknown(value, raw)
        return value

    return decode


def keep_unknown(value: Any, raw: Any) -> None:
    """Put the members of ``raw`` that ``value``'s models lack onto the model instances."""
    if isinstance(value, msgspec.Struct) and isinstance(raw, dict):
        known = value.__struct_encode_fields__
        extra = {name: item for name, item in raw.items() if name not in known}
        if extra and hasattr(value, "__dict__"):
            vars(value).update(extra)
        for attribute, name in zip(value.__struct_fields__, known, strict=True):
            keep_unknown(getattr(value, attribute), raw.get(name))
    elif isinstance(value, list) and isinstance(raw, list):
        for item, raw_item in zip(value, raw, strict=False):
            keep_unknown(item, raw_item)
    elif isinstance(value, dict) and isinstance(raw, dict):
        for key, item in value.items():
            keep_unknown(item, raw.get(key))


def unknown_fields(value: msgspec.Struct) -> dict[str, Any]:
    """The fields of an answer that its model does not declare, as the server sent them."""
    return dict(getattr(value, "__dict__", {}))


def to_dict(value: Any) -> Any:
    """A model (or a list of them) as JSON values, with every unknown field it kept."""
    if isinstance(value, msgspec.Struct):
        known = {
            name: to_dict(getattr(value, attribute))
            for attribute, name in zip(
                value.__struct_fields__, value.__struct_encode_fields__, strict=True
            )
            if getattr(value, attribute) is not msgspec.UNSET
        }
        return {**known, **unknown_fields(value)}
    if isinstance(value, list | tuple):
        return [to_dict(item) for item in value]
    if isinstance(value, dict):
        return {key: to_dict(item) for key, item in value.items()}
    return value


def _name(kind: Any) -> str:
    if get_origin(kind) is not None:  # list[Contact] and the like
        return str(kind).replace("heymarket_contacts.models.", "")
    return getattr(kind, "__name__", None) or str(kind)
