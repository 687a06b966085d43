"""Seeding the database from above the storage floor (docs/decisions/layers.md).

`reference` adds what every database needs (rights, standard roles, deviation types, counters) on each
open; `demo` writes the demo gym for `reception --demo`. Both are application work: they use the
routines' and the domain's rules, so they live in `app/`, and `db/` stays storage only.
"""
