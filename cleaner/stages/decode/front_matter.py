"""Front matter: YAML ``---`` or TOML ``+++`` blocks before a text, read safely into fields.

Blog exports and static-site pages carry their title, date, author and tags there. The block
is parsed with bounded size and aliases; a broken block is recorded, never fatal.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from typing import Any

import yaml

from cleaner.document import Document
from cleaner.text.dates import parse_date

# --- front matter ---------------------------------------------------------------------------

FRONT_MATTER_RE = re.compile(
    r"\A(?:[ \t]*\r?\n)*(?P<fence>---|\+\+\+)[ \t]*\r?\n(?:(?P<body>.*?)\r?\n)??"
    r"(?P<close>---|\+\+\+|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
YAML_KEY_RE = re.compile(r"\A\s*(?:#.*\n\s*)*[\"']?[\w-]+[\"']?\s*:")
TOML_KEY_RE = re.compile(r"\A\s*(?:#.*\n\s*)*(?:[\w.\"'-]+\s*=|\[)")
MAX_YAML_ALIASES = 20

TITLE_KEYS = ("title", "headline")
DATE_KEYS = ("date", "published", "pubdate", "publish_date", "published_at", "date_published",
             "publishdate", "created", "created_at", "time", "datetime")
AUTHOR_KEYS = ("author", "authors", "byline", "creator", "writer")
URL_KEYS = ("url", "link", "canonical", "canonical_url", "canonicalurl", "permalink",
            "source_url", "original_url", "origin_url", "originalurl", "source", "href")
META_KEYS: dict[str, tuple[str, ...]] = {
    "categories": ("categories", "category"),
    "tags": ("tags", "tag", "keywords"),
    "description": ("description", "summary", "excerpt", "abstract"),
    "site_name": ("site_name", "sitename", "site", "publisher"),
    "image": ("image", "headimg", "thumbnail", "cover", "featured_image", "og_image"),
    "language": ("lang", "language", "locale"),
    "original_title": ("original_title",),
    "subtitle": ("subtitle",),
    "editor": ("editor",),
    "reporter": ("reporter",),
    "updated": ("updated", "lastmod", "modified", "last_modified", "date_modified"),
}
LIST_META = {"categories", "tags"}


class _BoundedSafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses documents with many aliases (``billion laughs`` bombs).

    SafeLoader already constructs only plain types and rejects ``!!python/...`` tags.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_YAML_ALIASES} aliases (alias bomb?)")
        return super().compose_node(parent, index)


@dataclass
class FrontMatter:
    """The outcome of splitting front matter off a text."""

    body: str
    data: dict[str, Any] | None = None
    error: str | None = None
    kind: str | None = None  # "yaml" or "toml"


def split_front_matter(text: str, max_bytes: int = 64 * 1024) -> FrontMatter:
    """Split YAML (``---``) or TOML (``+++``) front matter off ``text`` and parse it safely.

    Leading blank lines are allowed. A block whose first line is not ``key: ...`` (YAML) or
    ``key = ...`` (TOML) is not front matter (a Markdown rule, say) and is left in the text.
    A broken block is removed, the body kept, and the problem returned in ``error``.

    >>> split_front_matter("\\n---\\ntitle: 'A'\\n---\\nBody").data
    {'title': 'A'}
    >>> split_front_matter("---\\ntitle: [oops\\n---\\nBody").body
    'Body'
    """
    match = FRONT_MATTER_RE.match(text)
    if not match:
        return FrontMatter(text)
    fence, block = match["fence"], match["body"] or ""
    kind = "yaml" if fence == "---" else "toml"
    if (match["close"] != fence and not (kind == "yaml" and match["close"] == "...")):
        return FrontMatter(text)
    if block.strip() and not (YAML_KEY_RE if kind == "yaml" else TOML_KEY_RE).match(block):
        return FrontMatter(text)
    body = text[match.end():]
    if len(block.encode("utf-8")) > max_bytes:
        return FrontMatter(body, error=f"front matter larger than {max_bytes} bytes", kind=kind)
    try:
        data = _parse_yaml(block) if kind == "yaml" else tomllib.loads(block)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError, RecursionError) as error:
        message = " ".join(str(error).split())
        if isinstance(error, yaml.constructor.ConstructorError) and "!!python" in block:
            message = f"unsafe tag rejected ({message})"
        return FrontMatter(body, error=f"{kind}: {message}"[:300], kind=kind)
    if data is None:
        return FrontMatter(body, {}, kind=kind)
    if not isinstance(data, dict):
        return FrontMatter(body, error=f"{kind}: front matter is a {type(data).__name__}, "
                           "not a mapping", kind=kind)
    return FrontMatter(body, data, kind=kind)


def _parse_yaml(block: str) -> Any:
    loader = _BoundedSafeLoader(block)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _scalar_text(value: Any) -> str | None:
    """A front-matter value as a short string (numbers and dates too); None for the rest."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return text or None
    if isinstance(value, dict):
        return _scalar_text(value.get("name"))
    return None


def _text_list(value: Any) -> list[str]:
    """A front-matter value as a list of strings: ``"a, b"`` and ``[a, b]`` both work.

    >>> _text_list("金融, 财经"), _text_list([" 金融", 2020, None])
    (['金融', '财经'], ['金融', '2020'])
    """
    if isinstance(value, str):
        items: list[Any] = re.split(r"[,，;；]", value)
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    out = []
    for item in items:
        text = _scalar_text(item)
        if text and text not in out:
            out.append(text)
    return out


def _looks_like_url(value: str) -> bool:
    return bool(re.match(r"(?i)https?://[^\s/]+\.[^\s]*$", value.strip()))


def apply_front_matter(doc: Document, data: dict[str, Any]) -> None:
    """Copy front-matter fields into typed document fields and ``doc.meta``.

    Fields the container already filled are kept, except ``published``: a container date
    (a WARC capture time) is weaker than the page's own date.
    """
    fields = {str(key).strip().lower().replace("-", "_"): value for key, value in data.items()}

    def first(keys: tuple[str, ...]) -> Any:
        for key in keys:
            if fields.get(key) not in (None, "", [], {}):
                return fields[key]
        return None

    title = _scalar_text(first(TITLE_KEYS))
    if title and not doc.title:
        doc.title = title
    published = parse_date(first(DATE_KEYS))
    if published:
        doc.published = published
    author = first(AUTHOR_KEYS)
    author_text = ", ".join(_text_list(author)) if isinstance(author, list) else (
        _scalar_text(author))
    if author_text and not doc.author:
        doc.author = author_text
    for key in URL_KEYS:
        value = _scalar_text(fields.get(key))
        if value and _looks_like_url(value):
            doc.url = doc.url or value.strip()
            break
    source = _scalar_text(fields.get("source"))
    if source and not _looks_like_url(source):
        doc.meta.setdefault("credit_source", source)
    for meta_key, keys in META_KEYS.items():
        value = first(keys)
        if value is None:
            continue
        if meta_key in LIST_META:
            items = _text_list(value)
            if items:
                doc.meta[meta_key] = items
        elif meta_key == "updated":
            date = parse_date(value)
            if date:
                doc.meta[meta_key] = date.isoformat()
        elif (text := _scalar_text(value)) is not None:
            doc.meta[meta_key] = text
