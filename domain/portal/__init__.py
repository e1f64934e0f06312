"""The read-only pages for students and parents: who the viewer is (from their link or session only), the
child they look at (by position among their own linked children), a profile, and the sections
(domain.portal.sections) that the features of the coaching centre plug in."""
