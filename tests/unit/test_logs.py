import json
import logging

from taskbell.logs import JsonFormatter, RedactingFilter, redact


def test_tokens_codes_and_links_are_redacted():
    line = ("POST https://api.telegram.org/bot123456789:AAEhBP0av28Ghjk_kV0q-3fGqRgYl2wIAbc/sendMessage "
            "code=123456 https://x.org/d/eyJwIjo1fQ.awJuag.LNm3oza36s2sFZE8TMNTVZqXhds")
    cleaned = redact(line)
    assert "AAEhBP0av28" not in cleaned and "123456 " not in cleaned and "LNm3oza36s" not in cleaned
    assert "bot<token>/sendMessage" in cleaned and "/d/<token>" in cleaned


def test_json_lines(caplog):
    record = logging.LogRecord("taskbell", logging.WARNING, __file__, 1, "sent to bot4242:%s", ("x" * 30,), None)
    RedactingFilter().filter(record)
    data = json.loads(JsonFormatter().format(record))
    assert data["level"] == "warning" and data["message"] == "sent to bot<token>"
