"""routines of the reception core."""
