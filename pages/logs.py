import streamlit as st

st.title("Logs")
st.caption("Coming soon.")
