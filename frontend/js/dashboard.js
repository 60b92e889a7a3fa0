// replaced by the dashboard script
