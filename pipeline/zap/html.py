"""A forgiving HTML reader for the passive rules: elements with their start tags, comments,
inline scripts and forms (with their inputs), from the standard library's HTMLParser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


@dataclass
class Element:
    name: str
    attrs: dict[str, str]
    start_tag: str  # the start tag exactly as written, the evidence ZAP reports
    has_parent: bool
    # The whole element as written, start tag to end tag (Jericho's Element.toString); "" when never closed.
    source: str = ""
    content: str = ""  # scripts: the text between the tags

    @property
    def text(self) -> str:
        """The element as ZAP reports it in evidence: all of it, or its start tag when unclosed."""
        return self.source or self.start_tag

    def get(self, attr: str) -> str | None:
        return self.attrs.get(attr.lower())


@dataclass
class Form:
    element: Element
    inputs: list[Element] = field(default_factory=list)


@dataclass
class Document:
    elements: list[Element] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # full text, "<!--" ... "-->"
    scripts: list[str] = field(default_factory=list)  # inline <script> contents
    forms: list[Form] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # character data outside scripts and styles

    @property
    def text(self) -> str:
        """The page's visible text, pieces joined by spaces (as Jericho's TextExtractor reads it)."""
        return " ".join(t.strip() for t in self.texts if t.strip())

    def all(self, name: str) -> list[Element]:
        return [e for e in self.elements if e.name == name]


class _Reader(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.doc = Document()
        self.open: list[tuple[Element, int]] = []  # open elements and where their start tag begins
        self.form: Form | None = None
        self.in_script = False
        self.script_parts: list[str] = []

    def position(self) -> int:
        """Where the construct being handled starts in the text (getpos is line and column)."""
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start_tag = self.get_starttag_text() or f"<{tag}>"
        element = Element(tag, {k.lower(): (v if v is not None else "") for k, v in attrs}, start_tag,
                          has_parent=bool(self.open))
        self.doc.elements.append(element)
        if tag == "form":
            self.form = Form(element)
            self.doc.forms.append(self.form)
        elif tag in ("input", "select", "textarea", "button") and self.form is not None:
            self.form.inputs.append(element)
        if tag == "script":
            self.in_script = True
            self.script_parts = []
        if tag in _VOID:
            element.source = start_tag
        else:
            self.open.append((element, self.position()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":  # <script/> has no content: what follows is markup again
            self.in_script = False
        if tag not in _VOID and self.open and self.open[-1][0].name == tag:
            self.open.pop()[0].source = self.doc.elements[-1].start_tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.in_script:
            content = "".join(self.script_parts)
            self.doc.scripts.append(content)
            self.in_script = False
            if self.open and self.open[-1][0].name == "script":
                self.open[-1][0].content = content
        if tag == "form":
            self.form = None
        if any(element.name == tag for element, _ in self.open):
            close = self.text.find(">", self.position())
            end = close + 1 if close >= 0 else len(self.text)
            while self.open:
                element, start = self.open.pop()
                if element.name == tag:
                    element.source = self.text[start:end]
                    break

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.script_parts.append(data)
        elif not any(element.name == "style" for element, _ in self.open):
            self.doc.texts.append(data)

    def handle_comment(self, data: str) -> None:
        if not self.in_script:
            self.doc.comments.append(f"<!--{data}-->")


def parse(text: str) -> Document:
    reader = _Reader(text)
    try:
        reader.feed(text)
        reader.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read so far
        pass
    if reader.in_script and reader.script_parts:
        reader.doc.scripts.append("".join(reader.script_parts))
    return reader.doc


EMPTY = Document()
