"""Thai script knowledge every later stage shares: character classes and private-use glyph
tables (``chars``), a lexicon of Thai words with their frequencies for telling a likely
spelling from an unlikely one (``lexicon``), and sentence splitting for text that marks few
sentence ends (``sentences``). Takes strings, gives classes, costs and sentence spans.
"""

from rag.thai.chars import is_thai
from rag.thai.lexicon import Lexicon, lexicon
from rag.thai.sentences import Sentence, split_sentences

__all__ = ["is_thai", "Lexicon", "lexicon", "Sentence", "split_sentences"]
