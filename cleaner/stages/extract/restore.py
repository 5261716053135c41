"""Text that extraction lost and the page still shows: split article bodies, credit lines."""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from cleaner.stages.extract.page import drop_hidden, parse_markup, squash
from cleaner.text.chars import WORD_CHARACTER_RE


def container_signature(element: etree._Element) -> str | None:
    """``tag.class`` of a paragraph's container and its two ancestors, e.g.
    ``div.body/div.grid/div.article__chunks``; None when none of them has a class (a bare
    ``<div>`` says nothing about what it holds)."""
    parts = []
    node: etree._Element | None = element
    for _ in range(3):
        if node is None or not isinstance(node.tag, str):
            break
        parts.append(f"{node.tag}.{' '.join(sorted((node.get('class') or '').split()))}")
        node = node.getparent()
    return "/".join(parts) if any(not part.endswith(".") for part in parts) else None


def restore_split_body(page: str | etree._Element, text: str,
                       min_kept: int = 2) -> tuple[str, int]:
    """Add back article paragraphs that sit in *other copies* of the container trafilatura kept.

    Many sites cut an article into several identical containers with ads in between
    (``<div class="body">…</div><aside>ad</aside><div class="body">…</div>``); trafilatura
    keeps the first and loses the rest. A paragraph is restored when its container has the same
    tag/class signature (three levels) as the containers of at least ``min_kept`` paragraphs
    that trafilatura kept, and no paragraph of that container instance was kept (so a block
    trafilatura dropped on purpose from a container it used is not brought back). Restored
    paragraphs go right after the last kept paragraph that precedes them in the page.

    ``page`` is markup or its parsed tree (which loses its non-content elements here).
    Returns the new text and the number of paragraphs restored.
    """
    if not text.strip():
        return text, 0
    try:
        root = parse_markup(page) if isinstance(page, str) else page
    except (etree.ParserError, ValueError):
        return text, 0
    drop_hidden(root)
    lines = text.split("\n")
    squashed = [squash(line) for line in lines]
    whole_lines = set(squashed)  # most kept paragraphs are whole lines: no search needed
    flat = squash(text)
    paragraphs = []
    for element in root.iter("p"):
        body = squash(element.text_content())
        if len(body) >= 20:
            paragraphs.append((element, body, body in whole_lines or body in flat))
    kept_signatures: dict[str, int] = {}
    kept_parents = set()
    for element, _, kept in paragraphs:
        if kept:
            kept_parents.add(element.getparent())
            signature = container_signature(element.getparent())
            if signature:
                kept_signatures[signature] = kept_signatures.get(signature, 0) + 1
    inserts: dict[int, list[str]] = {}
    anchor, restored = -1, 0
    pending: list[str] = []  # kept paragraphs since the anchor was last looked up
    for element, body, kept in paragraphs:
        if kept:
            pending.append(body)
            continue
        parent = element.getparent()
        if parent in kept_parents:
            continue
        if kept_signatures.get(container_signature(parent) or "", 0) < min_kept:
            continue
        # The anchor is the line of the last kept paragraph found in the text, looked up only
        # when needed (looking up every kept paragraph is quadratic on long pages).
        for kept_body in reversed(pending):
            found = next((i for i, line in enumerate(squashed) if kept_body[:60] in line), None)
            if found is not None:
                anchor = found
                break
        pending.clear()
        if anchor >= 0:
            inserts.setdefault(anchor, []).append(body)
            restored += 1
    if not restored:
        return text, 0
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    return "\n".join(out), restored


def dropped_credit_lines(plain: str, text: str, is_credit_line: Callable[[str], bool]
                         ) -> list[str]:
    """Lines of ``plain`` missing from ``text`` that ``is_credit_line`` recognises.

    trafilatura drops credit lines (``责任编辑：…``) with the page chrome; put back, the
    boilerplate stage turns them into metadata columns. Which lines are credits is the
    boilerplate stage's knowledge: :mod:`cleaner.build` hands its test in.

    >>> is_credit = lambda line: line.startswith("责任编辑")
    >>> dropped_credit_lines("Body.\\n责任编辑：李墨轩\\nShare", "Body.", is_credit)
    ['责任编辑：李墨轩']
    """
    flat = squash(text)
    return [line for line in plain.split("\n")
            if line.strip() and squash(line) not in flat and is_credit_line(line)]


def token_count(text: str) -> int:
    """Words for space-separated scripts, characters for Chinese/Japanese (roughly)."""
    return len(re.findall(r"[^\W\d_]+|\d+", text)) + len(WORD_CHARACTER_RE.findall(text))


# What sites put between a headline and their own name in <title>.
