"""Pure domain rules: identity numbers, money, periods, pricing arithmetic."""
