"""Jobs: swap tasks, their queue, leases, progress and results."""
