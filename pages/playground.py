import streamlit as st

st.title("Playground")
st.caption("Coming soon.")
