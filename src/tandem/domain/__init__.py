"""Plain typed records shared by every layer. Standard library only."""
