"""Bulk import of a day's seizures from a spreadsheet: read (parse), apply, templates."""
