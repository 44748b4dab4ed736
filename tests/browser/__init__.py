"""Real-browser, accessibility and HTML-validity tests (markers: browser, validator)."""
