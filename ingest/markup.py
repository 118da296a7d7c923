"""Plain text from HTML (stdlib parser, nothing executed) and from Markdown (markup stripped).

Headings and list items come out on their own lines so that cleaning and chunking see the structure.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Page furniture and code: their text is never document content.
_SKIP = frozenset(
    """
    script style noscript template nav header footer aside svg iframe object embed form button
    select head
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_BLOCK = frozenset(
    """
    p div section article main h1 h2 h3 h4 h5 h6 ul ol dl dt dd table tr blockquote pre figure
    figcaption hr br address details summary caption
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_VOID = frozenset(
    """
    br hr img input meta link area base col embed source track wbr
    """.split()  # noqa: SIM905 (a word list reads better as words)
)


_SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        # The element being skipped and how deep we are in elements of the same name inside it.
        self.skip_tag = ""
        self.skip_count = 0
        self.in_title = False
        # pieces, joined once: `self.title += data` copies the title so far each time (quadratic)
        self.title: list[str] = []

    def _skips(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _VOID:
            return False
        values = dict(attrs)
        return tag in _SKIP or values.get("role") in _SKIP_ROLES or "hidden" in values

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if self.skip_tag:
            self.skip_count += tag == self.skip_tag
        elif self._skips(tag, attrs):
            self.skip_tag, self.skip_count = tag, 1
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skip_tag and tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skip_tag:
            if tag == self.skip_tag:
                self.skip_count -= 1
                if not self.skip_count:
                    self.skip_tag = ""
        elif tag == "li":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip_tag:
            # Inside a block, source line breaks are just spaces.
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, str]:
    """(text, <title>) of an HTML page; scripts, styles and navigation are dropped, nothing runs."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip(), re.sub(r"\s+", " ", "".join(parser.title)).strip()


# Bounded repetitions and [ \t] (never \s) in line patterns keep every pattern near-linear on hostile
# input such as a 1 MB line of '[' or of blank lines.
_MD_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?m)^```.*$|^~~~.*$"), ""),  # code fences: keep the code, drop the fence
    (re.compile(r"!\[([^\[\]\n]{0,500})\]\([^)\n]{0,2000}\)"), ""),  # images
    (re.compile(r"\[([^\[\]\n]{1,500})\]\([^)\n]{0,2000}\)"), r"\1"),  # links keep their text
    (re.compile(r"<[^<>\n]{1,500}>"), ""),  # inline HTML tags
    # ATX headings on a line of their own
    (re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+([^\n]{0,300}?)[ \t]*#*[ \t]*$"), r"\n\1\n"),
    (re.compile(r"(?m)^[ \t]{0,3}>[ \t]?"), ""),  # block quotes
    (re.compile(r"(?m)^[ \t]*[-*+][ \t]+"), "• "),  # list items
    (re.compile(r"(?m)^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$"), ""),  # horizontal rules
    (re.compile(r"(\*\*|__)(?=\S)([^*_\n]{1,500}?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]{1,500}?)(?<=\S)\*(?!\*)"), r"\1"),  # italic
    (re.compile(r"`([^`\n]{1,500})`"), r"\1"),  # inline code
)


def markdown_to_text(md: str) -> str:
    """Markdown with its markup removed; headings become lines of their own, list items bullets."""
    for pattern, repl in _MD_RULES:
        md = pattern.sub(repl, md)
    return md
