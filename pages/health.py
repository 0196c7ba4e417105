import streamlit as st

st.title("Health")
st.caption("Coming soon.")
