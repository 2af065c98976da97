"""/api/docs/: the API's reference as a page of the site, rendered from the OpenAPI schema.

Swagger UI, as shipped, fails WCAG 2.2 AA (low contrast, buttons inside buttons, small targets,
headings out of order) in ways a theme cannot mend. This page says the same as the schema
(``/api/schema/``, the one drf-spectacular generates): each operation under its tag with its
parameters, body, answers and the fields of each schema, in the site's accessible layout.
Swagger UI stays available at ``/api/docs/explorer/`` to try requests.

The reference is built once per process (the schema changes only with the code).
"""

import functools
import json

from django.shortcuts import render
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")
SCHEMA_REF = "#/components/schemas/"


@functools.cache
def reference() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    tags: dict[str, list] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["api"])[0]
            tags.setdefault(tag, []).append(_operation(path, method, operation))
    return {
        "info": schema.get("info", {}),
        "tags": [{"name": name, "slug": f"tag-{name}", "operations": ops} for name, ops in sorted(tags.items())],
        "schemas": [_schema(name, body) for name, body in sorted(components.items())],
    }


def _operation(path: str, method: str, operation: dict) -> dict:
    body = operation.get("requestBody", {}).get("content", {})
    return {
        "id": operation.get("operationId", f"{method}-{path}"),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "needs_sign_in": bool(operation.get("security")) and {} not in operation.get("security", []),
        "parameters": [
            {
                "name": parameter["name"],
                "where": parameter.get("in", ""),
                "required": parameter.get("required", False),
                "type": _type(parameter.get("schema", {})),
                "description": parameter.get("description", ""),
            }
            for parameter in operation.get("parameters", [])
        ],
        "bodies": [{"media_type": media, "type": _type(spec.get("schema", {}))} for media, spec in body.items()],
        "responses": [
            {
                "status": status,
                "description": answer.get("description", ""),
                "types": [_type(spec.get("schema", {})) for spec in answer.get("content", {}).values()],
            }
            for status, answer in sorted(operation.get("responses", {}).items())
        ],
    }


def _schema(name: str, body: dict) -> dict:
    required = set(body.get("required", []))
    return {
        "name": name,
        "slug": f"schema-{name}",
        "description": body.get("description", ""),
        "enum": body.get("enum", []),
        "fields": [
            {
                "name": field,
                "type": _type(spec),
                "required": field in required,
                "read_only": spec.get("readOnly", False),
                "description": spec.get("description", ""),
            }
            for field, spec in body.get("properties", {}).items()
        ],
    }


def _type(spec: dict) -> dict:
    """A schema as the page shows it: its text, and the schema it refers to (for a link)."""
    if "$ref" in spec:
        name = spec["$ref"].removeprefix(SCHEMA_REF)
        return {"text": name, "ref": f"schema-{name}"}
    for combined in ("allOf", "oneOf", "anyOf"):
        if spec.get(combined):
            parts = [_type(part) for part in spec[combined]]
            refs = [part for part in parts if part["ref"]]
            return refs[0] if len(refs) == 1 else {"text": " | ".join(part["text"] for part in parts), "ref": ""}
    kind = spec.get("type", "")
    if kind == "array":
        inner = _type(spec.get("items", {}))
        return {"text": f"array of {inner['text']}", "ref": inner["ref"]}
    details = [spec[key] for key in ("format",) if key in spec]
    limits = {
        key: spec[key] for key in ("pattern", "minimum", "maximum", "maxLength", "minLength", "enum") if key in spec
    }
    if limits:
        details.append(json.dumps(limits, ensure_ascii=False))
    if spec.get("nullable"):
        details.append("nullable")
    text = kind or "any"
    return {"text": f"{text} ({', '.join(map(str, details))})" if details else text, "ref": ""}


@require_safe
def api_docs(request):
    return render(request, "portal/api_docs.html", {"reference": reference()})
