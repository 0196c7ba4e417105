import streamlit as st

st.title("Routing")
st.caption("Coming soon.")
