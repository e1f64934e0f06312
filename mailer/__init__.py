"""The email channel: renders claimed email rows of the outbox and sends them over SMTP (aiosmtplib).

    links       the `MailLinks` protocol the web app fills (signed action links, channel settings)
    registry    one renderer per notification kind (subject, text, HTML) and a generic fallback
    compose     the MIME message: safe headers (no CR/LF), capped bodies, threading, List-Unsubscribe
    kinds_*     the renderers, registered on import (the same words as the chat, via domain.words)

Imports the domain only (an import-linter contract); built by the composition root (taskbell/container.py).
"""
