"""jobs of the reception core."""
