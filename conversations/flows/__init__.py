"""The dialogue flows; each module is one thing an official does with citybot."""
