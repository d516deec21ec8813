"""Results for managers: by team and theme, with one anonymity rule for every figure."""
