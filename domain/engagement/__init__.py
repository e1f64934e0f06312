"""Engagement risk learned from task history: features in SQL, an honest time-split evaluation against a
heuristic baseline, per-person reasons, engagement profiles and insights. The learning itself (scikit-learn,
skops) lives behind the ports in `domain.engagement.ports`, implemented by `adapters.learning`."""
