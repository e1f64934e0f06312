"""The web app (Starlette): signed-link dashboards, the JSON API and the Telegram webhook."""
