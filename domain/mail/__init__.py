"""Email, the second channel: addresses, per-person channel choices, and the outbox rows for email.

    addresses   validating an address (syntax only, never DNS) with a message fit to show
    channels    kind groups, a person's choices per group, and the services that read and set them
    routing     which channel(s) one notification intent goes by (enqueue fans out through it)
"""
