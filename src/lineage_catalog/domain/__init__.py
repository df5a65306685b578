"""Domain: plain frozen dataclasses and errors; imports no framework."""
