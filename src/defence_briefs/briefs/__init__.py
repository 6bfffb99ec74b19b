"""What the brief notebooks call: a country's figures, key findings, charts, tables and notes."""
