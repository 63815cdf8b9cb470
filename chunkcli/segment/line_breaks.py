"""One view of the text for the sentence models: every line break spelled "\n".

The rules and models count "\n" for line ends and blank lines, the strongest
layout evidence. Files from old Macs end lines with "\r", word processors
write U+2028/U+2029, and form feeds separate pages. The view maps each of
these, one character for one, to "\n" (the "\r" of a "\r\n" to a space), so
offsets found in the view are offsets in the text. Units are still cut from
the text itself.
"""

from __future__ import annotations

import re

_OTHER_BREAKS = re.compile("[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CRLF = re.compile("\r(?=\n)")
_AS_NEWLINE = str.maketrans(dict.fromkeys("\r\v\f\x1c\x1d\x1e\x85\u2028\u2029", "\n"))


def newline_view(text: str) -> str:
    """`text` with every line break as "\n", the same length; `text` itself when it has no other kind."""
    if not _OTHER_BREAKS.search(text):  # the common case: no copy of a large input
        return text
    return _CRLF.sub(" ", text).translate(_AS_NEWLINE)
