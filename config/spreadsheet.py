"""CSV cells a spreadsheet would run as a formula (CSV injection), escaped by every CSV export, read back by import.

Excel, LibreOffice and Google Sheets evaluate a cell starting with ``=``, ``+``, ``-`` or ``@`` (and tab or
carriage return, which they skip before one), so ``=HYPERLINK(...)`` in a project name becomes a link that leaks
data and ``+cmd|...`` a command prompt. Such text gets a leading apostrophe, which spreadsheets show as text; the
inventory import strips it again so an export imports back unchanged.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` for a CSV cell: ``None`` is empty, numbers stay numbers, formula-like text is escaped."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescaped_cell(text):
    """The text ``safe_cell`` escaped, as it was; any other text unchanged."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def safe_row(values):
    return [safe_cell(value) for value in values]
