"""Homework to a batch: set, handed in (text, photos, files), reviewed, reminded, and read by other features."""
