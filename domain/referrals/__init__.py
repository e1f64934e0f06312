"""Referrals: a student or parent names someone (name, phone, note) with /refer; admins see them, invite
the person with one action (the people allowlist), and when that person is enrolled in a batch the
referrer is thanked once (domain.referrals.thanks, called by the roster services)."""
