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
    source: str = ""  # scripts only: the whole element as written, start tag to end tag (Jericho's Element.toString)

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

    def all(self, name: str) -> list[Element]:
        return [e for e in self.elements if e.name == name]


class _Reader(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.doc = Document()
        self.open: list[str] = []
        self.form: Form | None = None
        self.in_script = False
        self.script_parts: list[str] = []
        self.script: Element | None = None
        self.script_start = 0

    def position(self) -> int:
        """Where the construct being handled starts in the text (getpos is line and column)."""
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k.lower(): (v if v is not None else "") for k, v in attrs},
                          self.get_starttag_text() or f"<{tag}>", has_parent=bool(self.open))
        self.doc.elements.append(element)
        if tag == "form":
            self.form = Form(element)
            self.doc.forms.append(self.form)
        elif tag in ("input", "select", "textarea", "button") and self.form is not None:
            self.form.inputs.append(element)
        if tag == "script":
            self.in_script = True
            self.script_parts = []
            self.script, self.script_start = element, self.position()
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":  # <script/> has no content: what follows is markup again
            self.in_script = False
            if self.script is not None:
                self.script.source = self.script.start_tag
        if tag not in _VOID and self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag == "script" and self.in_script:
            self.doc.scripts.append("".join(self.script_parts))
            self.in_script = False
            if self.script is not None:
                close = self.text.find(">", self.position())
                self.script.source = self.text[self.script_start:close + 1 if close >= 0 else len(self.text)]
        if tag == "form":
            self.form = None
        if tag in self.open:
            while self.open:
                if self.open.pop() == tag:
                    break

    def handle_data(self, data):
        if self.in_script:
            self.script_parts.append(data)

    def handle_comment(self, data):
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
