"""Named permissions: the catalogue, each role's default grants, per-person overrides and `can`."""
