"""The two parts of every e-mail, rendered from templates (templates/email.html and .txt):
the town's name and logo on top, the message's paragraphs, one clear button, a footer.

The stored message is its plain text (what callers write, with French dates and amounts already
formatted); both parts are rendered from it when it is sent. The button opens the first link
of the text, and takes the place of that link in the HTML part."""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import css_inline
import jinja2

PORTAL = "Cityviz Enfance"
SERVICE = "Service enfance · portail familles"
FOOTER = ("Cet e-mail vous est envoyé par le portail familles Cityviz Enfance. "
          "Pour toute question, adressez-vous au service enfance de votre mairie.")
DEFAULT_ACTION = "Ouvrir le portail"
LOGO_CID = "logo"
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)»]")


@dataclasses.dataclass(frozen=True)
class Action:
    label: str
    url: str


@dataclasses.dataclass(frozen=True)
class Paragraph:
    lines: list[list[tuple[str, str]]]  # per line: (text, link or "")
    action: bool = False


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                              autoescape=jinja2.select_autoescape(["html"]), keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined)


@functools.cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=True)  # kept too: clients that honour <style>


def _segments(line: str, skip: str) -> list[tuple[str, str]]:
    out, position = [], 0
    for match in _URL.finditer(line):
        out.append((line[position:match.start()], ""))
        if match.group(0) != skip:
            out.append((match.group(0), match.group(0)))
        position = match.end()
    out.append((line[position:], ""))
    return [(text, url) for text, url in out if text]


def _paragraphs(body: str, action: Action | None) -> list[Paragraph]:
    paragraphs, placed = [], False
    for chunk in re.split(r"\n\s*\n", body.strip()):
        holds = action is not None and not placed and action.url in chunk
        lines = [_segments(line.rstrip(), action.url if holds else "") for line in chunk.split("\n")]
        if holds and lines and lines[-1]:  # « Consultez-la : <link> » → « Consultez-la », then the button
            text, url = lines[-1][-1]
            lines[-1][-1] = (text.rstrip(" :\u00a0"), url)
        lines = [line for line in lines if "".join(text for text, _ in line).strip(" :")]
        if lines or holds:
            paragraphs.append(Paragraph(lines=lines, action=holds))
        placed = placed or holds
    return paragraphs


def render(*, subject: str, body: str, organization: str = "", action_label: str = "",
           has_logo: bool = False) -> tuple[str, str]:
    """(plain text, HTML) of a message."""
    first_link = _URL.search(body)
    action = Action(action_label or DEFAULT_ACTION, first_link.group(0)) if first_link else None
    values = dict(subject=subject, organization=organization or PORTAL, service=SERVICE, footer=FOOTER,
                  action=action)
    text = _environment().get_template("email.txt").render(body=body.strip(), **values)
    html = _environment().get_template("email.html").render(
        paragraphs=_paragraphs(body, action), logo_cid=LOGO_CID if has_logo else "", **values)
    return text, _inliner().inline(html)
