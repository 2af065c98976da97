"""Models arrive with the events issue; the app exists so the layout is fixed from the start."""
