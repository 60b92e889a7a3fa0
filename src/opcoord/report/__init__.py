"""The consolidated results report: editions produced at closing, their data, the
renderers (``render/``), the report API and the partners' portal."""
