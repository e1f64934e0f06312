"""The organisation's rules as admins edit them: the catalogue and the services."""
