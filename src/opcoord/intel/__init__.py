"""Intelligence across countries: the same object reported twice (duplicates)."""
