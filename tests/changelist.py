"""Reading an admin change list the way the browser shows it."""

import re


def sortable_columns(response) -> set[str]:
    """The columns whose headers the editor can click to sort by."""
    head = response.content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    return set(re.findall(r'class="sortable column-([\w-]+)', head))
