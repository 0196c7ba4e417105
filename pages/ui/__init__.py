"""Helper modules of the pages (widgets, formatting, tab bodies). A sub-folder, so that Streamlit's
v1 "pages folder" scan (top-level pages/*.py only) never lists one of them as a page."""
