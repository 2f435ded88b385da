"""A Markdown text that overflowed Python-Markdown's recursion (a 500 on every write and
preview that rendered it, issue 12), and its HTML now: lists nested to the bound
(tasks/markdown_rendering.MAX_NESTING), the rest left out."""

DEEPLY_NESTED = "1. " * 1000
DEEPLY_NESTED_HTML = "<ol>\n<li>\n" * 9 + "<ol>\n<li></li>\n</ol>" + "\n</li>\n</ol>" * 9
