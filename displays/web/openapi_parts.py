"""The pieces every part of the OpenAPI document is made of: nullable types, references,
parameters, the error answer."""

from __future__ import annotations

from typing import Any

STR_OR_NULL = {"type": ["string", "null"]}
INT_OR_NULL = {"type": ["integer", "null"]}
BOOL_OR_NULL = {"type": ["boolean", "null"]}
INSTANT_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def param(name: str, where: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema, "description": description}


ERROR = {"description": "error", "content": {"application/json": {"schema": ref("Error")}}}
