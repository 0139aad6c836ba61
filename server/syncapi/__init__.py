"""The sync HTTP surface: push, pull and the poke event stream."""
