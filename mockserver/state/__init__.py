"""What a mock remembers between requests, behind the Protocols of ``stores``: in memory, in a SQLite file
(``sqlite/``) or in Redis (``redis_store``); ``opening`` picks one from ``--state``."""
