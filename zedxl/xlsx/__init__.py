"""Excel edges: workbook layouts, writers (XlsxWriter) and readers (openpyxl / python-calamine)."""
