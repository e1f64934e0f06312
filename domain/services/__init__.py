"""Use cases: one function each, one transaction each, authorised and audited inside."""
