"""The TOML line scanner: every key's path and line, through the syntax a hand-written policy may use."""

from __future__ import annotations

import tomllib

from telreg.realname.policy.locate import key_lines, line_of

TRICKY = '''\
# comment with [brackets] and = signs
title = "a [b] # c"                      # line 2
"quoted key" = 1                          # line 3
site.owner.name = 'x'                     # line 4: dotted key
text = """
[not_a_table]
still = "text \\""" here"
"""                                       # line 5 starts the value
literal = \'\'\'C:\\path\\[x]\'\'\'           # line 9
numbers = [
  1,
  2,  # a comment
  [3, 4],
]                                         # elements on lines 11, 12, 13

[fruit]                                   # line 16
name = "apple"

[[fruit.variety]]                         # line 19
name = "red"

[fruit.variety.detail]                    # line 22: belongs to variety[0]
size = 3

[[fruit.variety]]                         # line 25
name = "green"
inline = { a = 1, b = { c = 2 } }         # line 27
'''


def test_scanned_text_is_real_toml() -> None:
    parsed = tomllib.loads(TRICKY)
    assert parsed["fruit"]["variety"][0]["detail"]["size"] == 3
    assert parsed["text"].startswith("[not_a_table]")


def test_every_key_has_its_line() -> None:
    lines = key_lines(TRICKY)
    expected = {
        ("title",): 2,
        ("quoted key",): 3,
        ("site",): 4,
        ("site", "owner", "name"): 4,
        ("text",): 5,
        ("literal",): 9,
        ("numbers", 0): 11,
        ("numbers", 1): 12,
        ("numbers", 2): 13,
        ("numbers", 2, 1): 13,
        ("fruit",): 16,
        ("fruit", "variety", 0): 19,
        ("fruit", "variety", 0, "detail"): 22,
        ("fruit", "variety", 0, "detail", "size"): 23,
        ("fruit", "variety", 1): 25,
        ("fruit", "variety", 1, "name"): 26,
        ("fruit", "variety", 1, "inline", "b", "c"): 27,
    }
    assert {path: lines.get(path) for path in expected} == expected
    assert ("not_a_table",) not in lines


def test_line_of_falls_back_to_the_nearest_ancestor() -> None:
    lines = key_lines(TRICKY)
    assert line_of(lines, ("fruit", "variety", 1, "colour")) == (25, 3)
    assert line_of(lines, ("nowhere",)) == (None, 0)


def test_windows_line_endings_count_the_same() -> None:
    text = 'a = 1\r\n\r\n[t]\r\nb = [\r\n  "x",\r\n  "y",\r\n]\r\n'
    assert tomllib.loads(text)["t"]["b"] == ["x", "y"]
    lines = key_lines(text)
    assert (lines[("t",)], lines[("t", "b", 1)]) == (3, 6)
