"""Generate man/chunkcli.1 (roff) from the live command tree, so the man page cannot drift from --help.

`make man` writes it; tests/test_manpage.py fails when the committed page differs.
"""

from __future__ import annotations

import sys
from typing import Any, Iterator

from . import __version__

HEAD = r""".TH CHUNKCLI 1 "" "chunkcli {version}" "User Commands"
.SH NAME
chunkcli \- turn documents into traceable, retrieval\-ready chunks (extract | segment | index | query | select | export)
.SH SYNOPSIS
.B chunkcli
.I COMMAND
.RI [ OPTIONS ]
.RI [ PATH | URL | \- ]...
.SH DESCRIPTION
chunkcli extracts text from HTML, PDF, source code, Markdown and plain text; segments it into chunks
(sentences, punctuation\-agnostic sentences, topic segments, syntax\-tree code units, fixed token windows);
stores chunks with embeddings in one SQLite file with an HNSW index beside it; and answers queries,
selects chunks to a token budget, and exports them.
Every stage reads and writes JSONL, one record per line, so stages compose in pipelines.
.PP
Data goes to standard output only; messages, warnings, the run summary and progress bars (only when
standard error is a terminal) go to standard error.
.SH RECORDS
A document record:
.EX
{{"type":"document","id":ID,"source":PATH,"format":"html|pdf|code|markdown|text",
 "lang":L,"title":T,"text":TEXT,"sha256":HEX,"meta":{{...}}}}
.EE
A chunk record:
.EX
{{"type":"chunk","id":ID,"doc_id":ID,"source":PATH,"start":S,"end":E,"text":TEXT,
 "strategy":NAME,"n_tokens":N,"meta":{{...}}}}
.EE
.I start
and
.I end
are offsets into the document text in Unicode code points, and the chunk text is always exactly
document.text[start:end].  Ids are derived from source and content only: the same input gives the same
ids on every run and machine.
"""

TAIL = r""".SH EXIT STATUS
.TP
.B 0
Success.
.TP
.B 1
Some inputs failed (each named on standard error as \fISOURCE: reason\fR; the rest were processed), or a
runtime error.
.TP
.B 2
Usage error.
.TP
.B 130
Interrupted.
.SH ENVIRONMENT
.TP
.B CHUNKCLI_DB
Default for \-\-db (otherwise ./chunks.db).
.TP
.B CHUNKCLI_MODEL
Default embedding model: all\-MiniLM\-L6\-v2 (bundled, offline), a local sentence\-transformers directory,
or \fBhash\fR (a feature\-hashing embedder with no neural model).
.TP
.B CHUNKCLI_ALLOW_DOWNLOAD
Set to 1 to let a named model be downloaded from a model hub.  By default nothing is downloaded and an
unknown model name fails at once with a message saying how to provide it.
.TP
.B CHUNKCLI_FLOAT32
Set to 1 to keep the MiniLM layers that \-\-by punct (English) and \-\-by topic run themselves in float32.
By default they run their matrix products in bfloat16 on CPUs with native bfloat16 instructions
(AVX512\-BF16): 1.5\-1.7x faster, with the same sentence F1 on the dev sets; elsewhere float32 is used anyway.
Stored chunk vectors (index, query) are not affected.
.TP
.B NO_COLOR
Disable colour on standard error.
.SH EXAMPLES
Index a folder, then ask it something:
.EX
chunkcli index docs/ \-\-db docs.db
chunkcli query "how do I rotate the keys" \-\-db docs.db \-k 5 | jq \-r .text
.EE
The same, stage by stage:
.EX
chunkcli extract docs/ | chunkcli segment \-\-by sentence \-\-max\-tokens 200 | chunkcli index \-\-db docs.db
.EE
Files from find, NUL\-separated:
.EX
find . \-name '*.pdf' \-print0 | chunkcli extract \-\-files\-from \- \-0 > docs.jsonl
.EE
One sentence per record with its boundary score:
.EX
chunkcli segment \-\-by sentence \-\-max\-tokens 0 notes.txt
.EE
A context block for a prompt, within 1500 tokens:
.EX
chunkcli select "what changed in the billing API" \-\-db docs.db \-\-budget 1500 \-\-format markdown
.EE
Nightly re\-index from cron, dropping deleted files:
.EX
0 3 * * * cd /srv/docs && chunkcli index . \-\-db /var/lib/docs.db \-\-prune \-q
.EE
.SH SEE ALSO
.BR jq (1),
.BR find (1),
.BR sqlite3 (1)
"""


def esc(text: str) -> str:
    out = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + ln) if ln.startswith((".", "'")) else ln for ln in out.splitlines())


def commands() -> Iterator[tuple[str, Any]]:
    """(full name, click command) for every leaf command, in help order."""
    import typer

    from .cli import app

    root = typer.main.get_command(app)
    yield from _walk(root, "")


def _walk(group: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    for name in group.list_commands(None):
        cmd = group.get_command(None, name)
        full = f"{prefix}{name}"
        if hasattr(cmd, "list_commands"):
            yield from _walk(cmd, full + " ")
        else:
            yield full, cmd


def render_command(name: str, cmd: Any) -> str:
    """One subsection per command: its help text and, verbatim, the option lines of --help."""
    ctx = cmd.context_class(cmd, info_name=name)
    lines = [f".SS {esc('chunkcli ' + name)}", esc((cmd.help or "").strip().split("\n\n")[0])]
    for p in cmd.params:
        record = None if getattr(p, "hidden", False) else p.get_help_record(ctx)
        if record:
            lines += [".TP", f"\\fB{esc(record[0])}\\fR", esc(record[1])]
    return "\n".join(lines)


def render() -> str:
    body = "\n".join(render_command(n, c) for n, c in commands())
    return HEAD.format(version=__version__) + ".SH COMMANDS\n" + body + "\n" + TAIL


if __name__ == "__main__":
    sys.stdout.write(render())
