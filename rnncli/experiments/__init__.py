"""Experiments: many runs of one config, compared: a sweep over settings."""
