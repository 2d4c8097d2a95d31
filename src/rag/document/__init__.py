"""The document stage: takes the user's files and gives structured documents and their
chunks.

``reading`` reads and checks files (.txt, .pdf, .md, .jsonl) into input documents, refusing
bad input with one line; ``pdf`` reads a PDF's glyph layout straight into a ``Document``;
``structure`` turns repaired lines (or clean text) into a ``Document``: sections, paragraphs
with their pages and footnote markers, and footnoted references; ``chunking`` cuts a document into
``Chunk``s sized for the embedder, each citing its sources; ``inspect`` is what
``rag inspect`` shows.
"""

from rag.document.chunking import Chunk, chunk_document
from rag.document.structure import (
           Document,
           Paragraph,
           Reference,
           Section,
           structure_document,
           structure_plain,
)

__all__ = ["Chunk", "chunk_document", "Document", "Paragraph", "Reference", "Section", "structure_document",
           "structure_plain"]
