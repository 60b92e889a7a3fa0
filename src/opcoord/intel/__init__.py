"""Intelligence on the seizures: watchlists of stolen objects and the hits against them,
and the same object reported twice (duplicates)."""
