"""The operations queue: open tickets and tasks in one ordered, paged list, and its summary."""
