"""Tests and marks: tests per batch (name, date, maximum marks), marks entered on a sheet or from a CSV,
each student's and parent's results, a test's average, highest and distribution.

Who may: `classes.manage` (admins) for every batch, `marks.enter` (teachers by default) for the batches
one teaches (domain.marks.access). Results for portals and the risk engine: domain.marks.queries."""
