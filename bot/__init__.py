"""Delivery: the `citybot` command line, console chat, Telegram adapter and exports."""
