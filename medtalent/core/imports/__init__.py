"""Reading the spreadsheets offices keep: .xlsx and .csv in any encoding Chinese Excel writes.

This package is the reading half of the import mechanism (see docs/architecture.md): it turns an
uploaded file into numbered rows of raw cells under recognised columns, and normalises cell values.
The preview/commit half builds on it.
"""
