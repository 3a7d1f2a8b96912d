"""Translating field values between the neutral vocabulary and the PSA's, and checking fit.

The ERP adapter already speaks the neutral vocabulary (`NEUTRAL_FIELDS`); the PSA's
differs only for users (first and last name) and products (their kind). Values are
cleaned the same way on both sides (trimmed, empty → None) so that "" in one system
and NULL in the other never look like a change.
"""

from __future__ import annotations

from tandem.domain.erp import NEUTRAL_FIELDS, ErpEntity, ErpRecord, PsaRecord, SideLimits, Values
from tandem.erp.names import join_full_name, split_full_name

NEW_PRODUCT_KIND = "product"
"""What an ERP product becomes in the PSA: a regular product (not a work type)."""


def clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def erp_values(record: ErpRecord) -> dict[str, str | None]:
    return {name: clean(record.fields.get(name)) for name in NEUTRAL_FIELDS[record.entity]}


def psa_values(record: PsaRecord) -> dict[str, str | None]:
    """A PSA record in the neutral vocabulary (a user's names joined into one)."""
    fields = record.fields
    values: dict[str, str | None] = {}
    for name in NEUTRAL_FIELDS[record.entity]:
        if record.entity is ErpEntity.EMPLOYEE and name == "name":
            values[name] = clean(join_full_name(fields.get("first_name"), fields.get("last_name")))
        else:
            values[name] = clean(fields.get(name))
    return values


def to_psa_fields(entity: ErpEntity, values: Values, *, creating: bool) -> dict[str, str | None]:
    """Neutral values as the PSA wants them; only the fields present in `values`."""
    fields: dict[str, str | None] = {}
    for name, value in values.items():
        if entity is ErpEntity.EMPLOYEE and name == "name":
            first, last = split_full_name(value or "")
            fields["first_name"], fields["last_name"] = first, last
        else:
            fields[name] = value
    if creating and entity is ErpEntity.PRODUCT:
        fields["kind"] = NEW_PRODUCT_KIND
    return fields


def key_problem(entity: ErpEntity, key: str, limits: SideLimits, system: str) -> str | None:
    """Why `key` cannot be a key in a system with these limits, or None when it can."""
    if entity in limits.numeric_keys and not (key.isascii() and key.isdigit() and int(key) > 0):
        return f"{system} needs a positive number as the key, not {key!r}"
    max_length = limits.key_max_length.get(entity)
    if max_length is not None and len(key) > max_length:
        return f"key {key!r} is longer than the {max_length} characters {system} allows"
    return None


def values_problem(entity: ErpEntity, values: Values, limits: SideLimits, system: str) -> str | None:
    """Why these values do not fit a system with these limits (a name too long…), or None."""
    if "name" in values and not values["name"]:
        return f"the name is empty and {system} requires one"
    field_limits = limits.field_max_length.get(entity, {})
    for name, value in values.items():
        max_length = field_limits.get(name)
        if value is not None and max_length is not None and len(value) > max_length:
            return f"{name} {value!r} is {len(value)} characters; {system} allows {max_length}"
    return None
