"""Storage: the tables, data access functions, and opening/migrating the database."""
