"""The search column's words and terms (kb/lib/text.py)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kb.lib.text import TERM_SEPARATOR, fold, search_column, search_words


def test_search_words_fold_and_split_on_punctuation():
    assert search_words("Côte d’Ivoire") == ["cote", "d", "ivoire"]
    assert search_words("DGSN-DGST") == ["dgsn", "dgst"]
    assert search_words("  mémorandum d'entente ") == ["memorandum", "d", "entente"]
    assert search_words("93ᵉ Assemblée") == ["93e", "assemblee"]
    assert search_words("--- ,;") == []


def test_search_column_keeps_each_term_once_between_bars():
    column = search_column(["Delegation of Türkiye", "", None, "TR", "delegation of turkiye"])
    assert column == "| delegation of turkiye | tr |"
    assert search_column([]) == ""
    assert search_column(["", "-"]) == ""


@settings(deadline=None, max_examples=200, derandomize=True)
@given(st.lists(st.text(max_size=30), max_size=6))
def test_every_word_is_between_spaces_and_every_term_between_bars(terms):
    column = search_column(terms)
    for term in terms:
        words = search_words(term)
        if words:
            assert f"{TERM_SEPARATOR} {' '.join(words)} {TERM_SEPARATOR}" in column
            for word in words:
                assert f" {word} " in column


def _fold_by_the_rule(text):
    # fold()'s rule without its shortcut for ASCII text.
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().replace("\u2019", "'")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.one_of(st.text(alphabet=st.characters(max_codepoint=127)), st.text()))
def test_fold_is_its_rule_for_any_text_ascii_or_not(text):
    assert fold(text) == _fold_by_the_rule(text)


def test_fold_examples():
    assert fold("Bénin") == "benin"
    assert fold("DGSN-DGST") == "dgsn-dgst"
    assert fold("l’Argentine") == "l'argentine"
    assert fold("93ᵉ") == "93e"
    assert fold(None) == "none"
