import streamlit as st

st.title("Compare")
st.caption("Coming soon.")
