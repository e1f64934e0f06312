"""One route list per feature: health, dashboard, api, webhook."""
