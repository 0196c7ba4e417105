import streamlit as st

st.title("Settings")
st.caption("Coming soon.")
