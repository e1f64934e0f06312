"""The composition root: wires settings, database, bot, web and scheduler together."""
