"""Switchboard — placeholder until the app lands."""

import streamlit as st

st.set_page_config(page_title="Switchboard", page_icon="🔀", layout="wide")
st.title("Switchboard")
st.write("The multi-LLM router. The app is being built; try `python -m router_core ask \"Hi\"`.")
