"""Alerts: raised once per item per type per rule window, delivered by subscription, read and dismissed."""
