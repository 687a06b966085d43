"""Reception client core: business rules, routines and queries. Never imports Qt."""
