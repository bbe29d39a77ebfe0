"""Post-processing of the OpenAPI schema: the error answers every operation can give."""

_ERROR = {
    "type": "object",
    "description": "Details of the error; for a refused filter, the messages per parameter.",
    "additionalProperties": True,
}


def add_error_responses(result, generator, request, public):
    responses = {
        "400": "A parameter has a value the API does not know.",
        "404": "No such object, or no such page of results.",
        "429": "Too many requests from this address: wait and try again.",
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for code, description in responses.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                )
    return result
