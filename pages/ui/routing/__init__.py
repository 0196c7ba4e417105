"""The Routing page's tabs (pages/routing.py shows them): policy editor, explain, what-if replay, quality."""
