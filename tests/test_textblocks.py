from papercoder.textblocks import drop_repeats, fenced_blocks, sections, unclosed_block


def test_fences_and_sections():
    text = "intro\n## File list\n- a.py\n```python\n# not a heading\nx = 1\n```\n## Other\nrest\n"
    assert fenced_blocks(text) == [("python", "# not a heading\nx = 1")]
    secs = sections(text)
    assert secs["file list"].startswith("- a.py") and secs["other"] == "rest"
    assert unclosed_block("```python\nx = 1\n") == ("python", "x = 1\n")
    assert unclosed_block(text) is None


def test_drop_repeats():
    text = "- a: one\n\n- b: two\n\n- a: one\n\n- a:   one\n"
    assert drop_repeats(text) == ("- a: one\n\n- b: two", 2)
