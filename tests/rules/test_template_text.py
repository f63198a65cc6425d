"""Properties of the fast text checks of the template rules, against their plain definitions.

The rules avoid regexes and re-parsing per message (precomputed template lengths, substring
tests); these tests hold the fast versions to the obvious slow ones on generated input.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from rules.template_buttons import _KEEP, suffix_problem
from rules.template_values import rendered_length, whitespace_problem
from validator.registry import Template, compile_plan

_CHUNKS = st.text(alphabet="ab .\n", max_size=12)
_VALUES = st.text(max_size=30)


@given(_CHUNKS, st.lists(st.tuples(st.integers(min_value=1, max_value=3), _CHUNKS), max_size=6),
       st.lists(_VALUES, min_size=3, max_size=3))
def test_rendered_length_is_the_length_of_the_substituted_text(first, rest, values):
    # A positional body: fixed chunks around {{1}}..{{3}}, a placeholder possibly repeated.
    text = first + "".join(f"{{{{{number}}}}}{chunk}" for number, chunk in rest)
    template = Template.model_validate({"name": "t", "language": "en", "status": "APPROVED",
                                        "components": [{"type": "BODY", "text": text}]})
    plan = compile_plan(template)
    params = [{"type": "text", "text": value} for value in values]
    filled = first + "".join(values[number - 1] + chunk for number, chunk in rest)
    assert rendered_length(plan.body_fixed_length, plan.body_param_uses, params, False) == len(filled)


@given(st.text(alphabet=st.sampled_from("ab \t\n\r"), max_size=20))
def test_whitespace_problem_matches_its_definition(text):
    assert (whitespace_problem(text) is None) == (re.search(r"[\n\r\t]| {5,}", text) is None)


@given(st.text(max_size=30))
def test_a_percent_encoded_suffix_passes(text):
    assert suffix_problem(quote(text, safe=_KEEP)) is None


@given(st.text(alphabet=st.sampled_from('ab %"<>|é\n/?&=#'), max_size=12))
def test_suffix_problem_matches_its_definition(text):
    bad_char = any(c in ' "<>\\^`{|}' or not c.isascii() or not c.isprintable() for c in text)
    bad_escape = re.search(r"%(?![0-9A-Fa-f]{2})", text) is not None
    assert (suffix_problem(text) is None) == (not bad_char and not bad_escape)
