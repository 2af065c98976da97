"""Models arrive with the observatory issue; the app exists so the layout is fixed from the start."""
