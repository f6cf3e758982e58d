"""Allows `python -m bot` as well as the `citybot` script."""

from bot.cli import main

main()
