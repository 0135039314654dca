"""Bad-input corpus: malformed submissions derived from valid files, each with the outcome the
input contract demands (rejected whole with a reason, or rows loaded and quarantined)."""

from auxwatch.corpus.base import BaseTable, base_from_inbox, own_base
from auxwatch.corpus.cases import CorpusReport, build_cases, run_corpus, write_corpus
from auxwatch.corpus.check import CaseResult, check_case, load_bases
from auxwatch.corpus.model import Case, Expect, RowExpect

__all__ = [
    "BaseTable",
    "Case",
    "CaseResult",
    "CorpusReport",
    "Expect",
    "RowExpect",
    "base_from_inbox",
    "build_cases",
    "check_case",
    "load_bases",
    "own_base",
    "run_corpus",
    "write_corpus",
]
