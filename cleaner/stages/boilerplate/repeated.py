"""Lines repeated across the documents of one site: site chrome that no rule names (cc_net style).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from cleaner.document import Document
from cleaner.pipeline import CorpusContext, CorpusStep
from cleaner.stages.boilerplate.config import BoilerplateConfig

# --- Corpus-level repetition -------------------------------------------------------------------

def normalize_block(line: str) -> str:
    """The form in which lines are compared across documents: NFKC, case- and space-folded.

    >>> normalize_block("  Follow   US on X ")
    'follow us on x'
    """
    return " ".join(unicodedata.normalize("NFKC", line).casefold().split())


def is_sentence(line: str) -> bool:
    """Whether a (normalised) line reads as a sentence: it ends with a full stop.

    >>> is_sentence("the meeting also studied other matters.")
    True
    >>> is_sentence("follow us on x")
    False
    """
    return line.rstrip("\"'”’)）」").endswith((".", "!", "?", "。", "！", "？"))


def site_of(doc: Document) -> str:
    """The group a document's chrome is shared in: its URL host, else its source folder.

    >>> site_of(Document(source="a/b.txt", url="https://www.example.com/x"))
    'example.com'
    >>> site_of(Document(source="feeds/sina/1.txt"))
    'folder:feeds/sina'
    """
    if doc.url:
        host = (urlsplit(doc.url).hostname or "").lower()
        if host:
            return host.removeprefix("www.")
    return f"folder:{PurePosixPath(doc.source.split('#', 1)[0]).parent}"


def context_keys(blocks: set[str], exclude: set[str] = frozenset()) -> dict[str, str]:
    """For each block of a document, what tells *this document* apart when that block is
    shared: its longest other block (known chrome in ``exclude`` left out).

    A line shared by copies of one article (exact or near duplicates, handled later by dedup)
    sits next to the same longest paragraph in each copy, so it counts once and is never taken
    for chrome; a footer shared by different articles sits next to different paragraphs.

    >>> context_keys({"footer line", "a long article paragraph", "short"})["footer line"]
    'a long article paragraph'
    """
    ranked = sorted(blocks - exclude, key=lambda b: (-len(b), b))
    return {block: next((b for b in ranked if b != block), "") for block in blocks}


class RepeatedBlocksStep(CorpusStep):
    """Remove lines that recur across many different documents of the same site."""

    name = "repeated-blocks"

    def __init__(self, config: BoilerplateConfig | None = None) -> None:
        self.config = config or BoilerplateConfig()

    def _blocks(self, doc: Document) -> set[str]:
        blocks = {normalize_block(line) for line in doc.text.splitlines()}
        return {b for b in blocks if len(b) >= self.config.repeated_min_chars}

    def _chrome(self, texts: list[set[str]], exclude: set[str]) -> set[str]:
        """The blocks of one site's distinct ``texts`` that recur next to different content."""
        config = self.config
        contexts: dict[str, set[str]] = defaultdict(set)
        for blocks in texts:
            for block, key in context_keys(blocks, exclude).items():
                contexts[block].add(key)
        need = max(config.repeated_min_docs, config.repeated_min_share * len(texts))
        need_sentence = max(need, config.repeated_sentence_share * len(texts))
        return {block for block, keys in contexts.items()
                if len(keys) >= (need_sentence if is_sentence(block) else need)}

    def repeated(self, docs: list[Document]) -> dict[str, set[str]]:
        """Per site, the normalised lines that count as chrome under the config's thresholds."""
        texts: dict[str, dict[str, set[str]]] = defaultdict(dict)
        for doc in docs:
            found = self.text_blocks(doc)
            if found:  # exact copies count once
                site, key, blocks = found
                texts[site][key] = blocks
        return {site: self.site_chrome(list(site_texts.values()))
                for site, site_texts in sorted(texts.items())}

    def text_blocks(self, doc: Document) -> tuple[str, str, set[str]] | None:
        """A document's site, the key its blocks count once under (exact copies count once),
        and its blocks; ``None`` when it has none worth counting."""
        blocks = self._blocks(doc)
        return (site_of(doc), "\n".join(sorted(blocks)), blocks) if blocks else None

    def site_chrome(self, texts: list[set[str]]) -> set[str]:
        """The chrome of one site from its distinct texts' blocks (their order does not
        matter), so a sharded build may compute each site on its own."""
        found = self._chrome(texts, set())
        # Once more without the chrome found: a long footer next to a shorter one hid it.
        return found | self._chrome(texts, found)

    def run(self, docs: list[Document], context: CorpusContext) -> Iterator[Document]:
        chrome = self.repeated(docs) if self.config.repeated_blocks else {}
        yield from self.apply(docs, chrome, context)

    def apply(self, docs: list[Document], chrome: dict[str, set[str]],
              context: CorpusContext) -> Iterator[Document]:
        """Remove the ``chrome`` lines of each document's site; drop a document left empty."""
        stats = context.stats
        for doc in docs:
            site_chrome = chrome.get(site_of(doc))
            if not site_chrome:
                yield doc
                continue
            kept, removed = [], 0
            for line in doc.text.splitlines():
                if normalize_block(line) in site_chrome:
                    removed += 1
                    stats.sample("repeated-line", line.strip())
                else:
                    kept.append(line)
            if removed:
                stats.counters["repeated-line"] += removed
                stats.changed += 1
                doc.text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
            if not doc.text.strip():
                context.drop(doc, "empty", detail="only repeated site chrome")
                continue
            yield doc


__all__ = ["RepeatedBlocksStep", "site_of"]
