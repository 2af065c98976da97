from portal.richtext import sanitize_html


def test_allowed_markup_is_kept():
    html = '<h2>Goals</h2><p><strong>Bold</strong> <em>it</em> <a href="https://example.org">link</a></p><ul><li>a</li></ul>'
    cleaned = sanitize_html(html)
    assert "<h2>Goals</h2>" in cleaned
    assert "<strong>Bold</strong>" in cleaned
    assert 'href="https://example.org"' in cleaned
    assert 'rel="noopener noreferrer"' in cleaned


def test_dangerous_markup_is_removed():
    cleaned = sanitize_html(
        '<script>alert(1)</script><img src=x onerror=alert(1)><p style="color:red" onclick="x()">t</p>'
        '<a href="javascript:alert(1)">j</a><iframe src="https://evil.example"></iframe>'
    )
    for forbidden in ("<script", "onerror", "onclick", "style=", "javascript:", "<iframe", "<img"):
        assert forbidden not in cleaned


def test_an_empty_editor_paragraph_is_empty():
    assert sanitize_html("<p></p>") == ""
    assert sanitize_html(None) == ""
