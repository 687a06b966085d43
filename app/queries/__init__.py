"""queries of the reception core."""
