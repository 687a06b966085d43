"""Shipped data files (postal-code lists); located with app.postal.shipped_path()."""
