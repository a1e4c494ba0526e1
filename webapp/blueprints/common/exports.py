"""The one CSV writer every export goes through."""

import csv
import io

from flask import Response


# A spreadsheet reads a cell that starts with one of these as a formula (a tab or CR ahead of
# one too), so a name typed as =HYPERLINK(…) or +cmd|… would run when the export is opened.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    """`value` as a spreadsheet should show it: text that would start a formula gets a leading
    apostrophe, which shows it as typed. Numbers stay numbers: -3 is a number, not a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header, rows) -> Response:
    """Every CSV export: cells that could run as formulas defused, and UTF-8 with a byte-order
    mark, without which Excel reads "→" and accented names as another encoding."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
