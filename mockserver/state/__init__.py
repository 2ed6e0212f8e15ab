"""What a mock remembers between requests: key accounts, the journal, shared stores."""
