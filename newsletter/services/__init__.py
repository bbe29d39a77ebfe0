"""Writes of the bulletin, by subject: subscribers, contributions, issues, delivery."""
